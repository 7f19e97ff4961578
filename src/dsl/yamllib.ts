/**
 * The `yaml` library, loaded on first use. Mesh files are read by the quick parser (and js-yaml
 * behind it); only a file both hand over — YAML beyond the plain subset, or a syntax error to
 * report — needs `yaml`, so most runs never pay its ~40 ms of loading.
 * @module
 */
import { createRequire } from 'node:module';

type YamlLib = typeof import('yaml');

let lib: YamlLib | undefined;

/** The `yaml` module (its CommonJS build). */
export function yamlLib(): YamlLib {
  return (lib ??= createRequire(import.meta.url)('yaml') as YamlLib);
}
