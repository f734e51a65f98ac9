// Every built-in source that captures and replays: one import per source, each registers itself.
import './exec-capture.js';
import './exit-capture.js';
import './flow-capture.js';
