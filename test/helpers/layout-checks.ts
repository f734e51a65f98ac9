// What the layout tests share: the message a declaration is refused with, and type-checking
// generated TypeScript held in memory.
import ts from 'typescript';
import { expect } from 'vitest';
import { defineLayout, isKwireError, type LayoutSpec } from 'kwire';

/** The EINVAL_ARGUMENT message defineLayout refuses `spec` with; fails the test if it is accepted. */
export function rejects(spec: LayoutSpec): string {
  try {
    defineLayout(spec);
  } catch (error) {
    expect(isKwireError(error) && error.code).toBe('EINVAL_ARGUMENT');
    return (error as Error).message;
  }
  throw new Error('accepted');
}

/** The compiler's diagnostics for `files` (path → source, in memory), as `file: message` lines. */
export function typeCheck(files: ReadonlyMap<string, string>, options: ts.CompilerOptions): string[] {
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists(f);
  host.readFile = (f) => files.get(f) ?? readFile(f);
  host.getSourceFile = (f, v, ...rest) => (files.has(f) ? ts.createSourceFile(f, files.get(f)!, v) : getSourceFile(f, v, ...rest));
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((x) => `${x.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(x.messageText, '\n')}`);
}
