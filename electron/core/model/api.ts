// Contract handlers of the plant model: the resolved model in force (the UIs build the Plant pane and
// trend pickers from it).
import type { CoreApi } from '../api';
import type { ModelStore } from './store';

export function registerModelApi(api: CoreApi, store: ModelStore): void {
  api.register('plant.model', () => store.current.model);
}
