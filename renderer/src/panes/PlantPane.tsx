// The plant as a hierarchy in the ISA-101 manner: an overview (site → areas → lines, and a line's
// assets) and one asset's detail. Everything comes from the plant model in force; nothing here knows
// the demo's nine devices.
import { useMemo } from 'react';
import { Empty } from '../components/ui';
import { useAlarms } from '../store/alarms';
import { useAnomalies } from '../store/anomalies';
import { useModel } from '../store/model';
import { usePlant } from '../store/plant';
import { usePlantView } from '../store/plantView';
import { AssetDetail } from './plant/AssetDetail';
import { Overview } from './plant/Overview';
import { alarmsByAsset, summarise } from './plant/status';

export default function PlantPane() {
  const model = useModel((s) => s.model);
  const assets = useModel((s) => s.assets);
  const tags = useModel((s) => s.tags);
  const lineAssets = useModel((s) => s.lineAssets);
  const devices = usePlant((s) => s.devices);
  const alarms = useAlarms((s) => s.alarms);
  const episodes = useAnomalies((s) => s.episodes);
  const selected = usePlantView((s) => s.asset);

  const lookup = useMemo(() => ({ assets, tags, lineAssets }), [assets, tags, lineAssets]);
  const byAsset = useMemo(() => alarmsByAsset(alarms, lookup), [alarms, lookup]);
  const sums = useMemo(() => (model ? summarise(model, lookup, devices, byAsset) : null), [model, lookup, devices, byAsset]);
  const openEpisodes = useMemo(() => {
    const m = new Map<string, string>();
    for (const e of Object.values(episodes)) if (e.status === 'open') m.set(e.device_id, e.type_hint.replace(/_/g, ' '));
    return m;
  }, [episodes]);

  if (!model || !sums) return <Empty loaded={false}>No plant model yet.</Empty>;
  const asset = selected ? assets.get(selected) : undefined;
  if (asset) {
    return (
      <AssetDetail
        model={model}
        asset={asset}
        row={devices[asset.id]}
        alarms={byAsset.get(asset.id) ?? []}
        summary={sums.asset.get(asset.id)}
        episode={openEpisodes.get(asset.id)}
      />
    );
  }
  return <Overview model={model} lookup={lookup} devices={devices} sums={sums} episodes={openEpisodes} />;
}
