/**
 * The registry for an `s3://` location, imported on first use: the AWS SDK is loaded only by
 * processes that use object storage (`npm start` never does).
 */
import type { ModelRegistry } from './model-registry.js';

/** The S3 registry of `url` (one instance per URL and process, so its caches are shared). */
export async function s3RegistryFor(url: string): Promise<ModelRegistry> {
  const { s3Registry } = await import('./s3-registry.js');
  return s3Registry(url);
}
