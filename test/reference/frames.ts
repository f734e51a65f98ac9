// Frame framing in plain TypeScript (shared ring / capture format): u32 length | u16 source | u16 flags | payload, padded to 8.
export function frame(source: number, payload: Uint8Array, flags = 0): Uint8Array {
  const out = new Uint8Array(8 + ((payload.length + 7) & ~7));
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint16(4, source, true);
  view.setUint16(6, flags, true);
  out.set(payload, 8);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
