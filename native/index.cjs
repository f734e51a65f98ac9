// Loads the built addon. Kept tiny: the typed wrapper lives in packages/kwire/src/platform/native.ts.
// On Windows it is the ETW addon of native/win/ (built with `make -C native/win`, mingw-w64).
'use strict';
module.exports = process.platform === 'win32' ? require('./win/build/kwire.node') : require('./build/Release/kwire.node');
