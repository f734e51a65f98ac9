// Every built-in source that captures and replays: one import per source, each registers itself.
import '../kinds/exec-capture.js';
import '../kinds/exit-capture.js';
import '../kinds/flow-capture.js';
