// danfojs-node (and anything else) that requires @tensorflow/tfjs-node gets this module.
// Native libtensorflow is the fast path but its install downloads a binary from outside the npm
// registry; where that failed the optional `tfjs-node-native` is absent and we fall back to the
// pure-JS @tensorflow/tfjs. Either way every caller shares one @tensorflow/tfjs-core engine.
let tf;
let nativeError = null;
try {
  tf = require('tfjs-node-native');
} catch (err) {
  nativeError = err;
  tf = require('@tensorflow/tfjs');
}
module.exports = tf;
Object.defineProperty(module.exports, '__workbenchNativeError', {
  value: nativeError ? String(nativeError.message || nativeError).split('\n')[0] : null,
  enumerable: false,
});
