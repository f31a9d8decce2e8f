// The connectors the plant's tags are read through: state, last value, errors. A connector that is
// down is an abnormal state (its tags' values are not current), so it alone gets colour.
import { fmtAgo, useNow } from '../../components/ui';
import { useConnectors } from '../../store/connectors';

export function ConnectorStrip() {
  const byId = useConnectors((s) => s.byId);
  const now = useNow(5000);
  const list = Object.values(byId).sort((a, b) => a.id.localeCompare(b.id));
  if (list.length === 0) return null;
  return (
    <ul className="connectors plain" aria-label="Connectors">
      {list.map((c) => (
        <li
          key={c.id}
          data-connector={c.id}
          data-state={c.state}
          className={c.state === 'down' ? 'connector abnormal-box' : 'connector'}
          title={c.lastError ?? c.endpoint}
        >
          <b>{c.id}</b> <span className="muted">{c.type}</span>{' '}
          {c.state === 'unknown' ? (
            <span className="muted">status not reported</span>
          ) : (
            <>
              <span className={c.state === 'down' ? 'abnormal' : ''}>{c.state}</span>
              <span className="muted"> · last value {fmtAgo(c.lastValueAt, now)}</span>
              {c.errors ? <span> · {c.errors} errors</span> : null}
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
