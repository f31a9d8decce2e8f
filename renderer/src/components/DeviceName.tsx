// A device as the control room names it: the plant model's asset name, the id on hover (and as
// data-device-id); a device the model does not know (removed by a reload, or never in it) shows its id.
import { useModel } from '../store/model';

export function DeviceName({ id }: { id: string | null | undefined }) {
  const name = useModel((s) => (id ? s.assets.get(id)?.name : undefined));
  if (!id) return <>—</>;
  return (
    <span title={id} data-device-id={id}>
      {name ?? id}
    </span>
  );
}
