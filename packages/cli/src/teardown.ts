// What must be undone before the process exits, whatever the way out: a running source's subscription
// (unsubscribing detaches its programs; tc filters, for one, outlive a process that just exits).
const pending = new Set<() => void>();

/** Registers `undo` until the returned function is called. */
export function untilExit(undo: () => void): () => void {
  pending.add(undo);
  return () => pending.delete(undo);
}

/** Runs every pending undo (at an unexpected exit). */
export function undoAll(): void {
  for (const undo of [...pending]) {
    pending.delete(undo);
    try {
      undo();
    } catch {
      // exiting anyway: the others still run
    }
  }
}
