// An SVG bar chart of the committed results (bench/results/*.json): million records per second,
// one bar per case, grouped by benchmark. No dependencies: plain SVG text.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Bar {
  group: string;
  label: string;
  value: number; // M records/s
}

function bars(resultsDir: string): Bar[] {
  const out: Bar[] = [];
  for (const file of readdirSync(resultsDir).filter((f) => f.endsWith('.json')).sort()) {
    const r = JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as Record<string, any>;
    const group = file.replace(/\.json$/, '');
    if (Array.isArray(r.cases)) {
      for (const c of r.cases) out.push({ group, label: c.name, value: c.recordsPerSecond / 1e6 });
    } else {
      for (const t of ['ringbuf', 'perf']) {
        const m = r[t];
        if (!m) continue;
        out.push({ group, label: `${t} sustained kwire`, value: m.sustainedKwire / 1e6 }, { group, label: `${t} sustained C`, value: m.sustainedC / 1e6 });
        if (!Number.isNaN(m.drainKwire) && m.drainKwire != null) out.push({ group, label: `${t} drain kwire`, value: m.drainKwire / 1e6 });
        out.push({ group, label: `${t} drain C`, value: m.drainC / 1e6 });
      }
    }
  }
  return out.filter((b) => Number.isFinite(b.value));
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function chartSvg(resultsDir: string, title: string): string {
  const data = bars(resultsDir);
  const row = 18;
  const left = 260;
  const width = 760;
  const plot = width - left - 90;
  const groups = [...new Set(data.map((b) => b.group))];
  const height = 40 + data.length * row + groups.length * 22;
  // Log scale: memcpy runs at hundreds of M/s, binary-parser at about one.
  const max = Math.max(...data.map((b) => b.value), 1);
  const scale = (v: number) => (Math.log10(Math.max(v, 0.01)) + 2) / (Math.log10(max) + 2);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  let y = 36;
  for (const g of groups) {
    parts.push(`<text x="10" y="${y + 12}" font-weight="bold">${esc(g)}</text>`);
    y += 22;
    for (const b of data.filter((d) => d.group === g)) {
      const w = Math.max(1, scale(b.value) * plot);
      const c = /\bC\b|memcpy/.test(b.label) ? '#999' : '#3572a5';
      parts.push(
        `<text x="${left - 6}" y="${y + 12}" text-anchor="end">${esc(b.label)}</text>`,
        `<rect x="${left}" y="${y + 2}" width="${w.toFixed(1)}" height="${row - 5}" fill="${c}"/>`,
        `<text x="${left + w + 4}" y="${y + 12}">${b.value.toFixed(2)}</text>`,
      );
      y += row;
    }
  }
  parts.push(`<text x="${width - 10}" y="${height - 6}" text-anchor="end" fill="#666">M records/s, log scale</text>`, '</svg>');
  return parts.join('\n') + '\n';
}
