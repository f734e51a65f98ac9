// Second process of the exit-store test: opens the store under argv[2] and reads the exits of the
// trace ids in argv[3..], then deletes them. Prints JSON (bigints as strings).
import { ExitStore } from 'kwire';

const store = ExitStore.ensureRunning(process.argv[2]);
const out = {};
for (const id of process.argv.slice(3).map(BigInt)) {
  const exited = store.getExited(id);
  out[id] = { exited, deleted: store.deleteExited(id), after: store.getExited(id) ?? null };
}
process.stdout.write(JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
store.close();
