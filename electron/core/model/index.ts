// The plant model (issue 15): one YAML file describes the plant (ISA-95 hierarchy, asset types with
// tags and commands, connectors). Everything else reads it from here.
import path from 'node:path';
import { z } from 'zod';

export { parseModel, loadModelFile, type ModelParse } from './load';
export { resolveModel, type ModelIssue } from './resolve';
export { registerModelApi } from './api';
export { ModelStore, ModelLoadError, indexModel, type ModelIndex, type ModelLoadEvent, type ModelStoreOptions } from './store';
export type { PlantModelView, AssetView, TagView, CommandView } from '../../../shared/schemas/model';

/** The plant model's config section (`plant`). */
export const PlantConfigSchema = z.strictObject({
  /** The plant model file; default <resourcesDir>/plants/demo.yaml (the seed's plant). */
  model: z.string().optional(),
  /** Reload the model when the file changes (a bad edit is refused; the previous model stays). */
  watch: z.boolean().default(true),
});
export type PlantConfig = z.infer<typeof PlantConfigSchema>;

export function modelPath(cfg: PlantConfig, resourcesDir: string): string {
  return cfg.model ? path.resolve(cfg.model) : path.join(resourcesDir, 'plants', 'demo.yaml');
}
