// Same API as @tensorflow/tfjs (the native package re-exports it and adds `tf.node`).
export * from '@tensorflow/tfjs';
/** Why the native package did not load (null when it did). */
export declare const __workbenchNativeError: string | null;
