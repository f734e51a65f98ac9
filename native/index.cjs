// Loads the built addon. Kept tiny: the typed wrapper lives in packages/kwire/src/native.ts.
'use strict';
module.exports = require('./build/Release/kwire.node');
