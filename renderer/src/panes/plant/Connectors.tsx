// The connectors the plant's tags are read through: state, last value, errors. A connector that is
// down is an abnormal state (its tags' values are not current), so it alone gets colour. An OPC UA
// connector refused by an untrusted server certificate shows its thumbprint and a Trust button.
import { fmtAgo, useNow } from '../../components/ui';
import { useServices } from '../../context';
import { useConnectors } from '../../store/connectors';

export function ConnectorStrip() {
  const byId = useConnectors((s) => s.byId);
  const { actions } = useServices();
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
          title={c.lastError ? `${c.endpoint || c.id}: last error ${c.lastError}` : c.endpoint}
        >
          <b>{c.id}</b> <span className="muted">{c.type}</span>{' '}
          {c.state === 'unknown' ? (
            <span className="muted">status not reported</span>
          ) : (
            <>
              <span className={c.state === 'down' ? 'abnormal' : ''}>{c.state}</span>
              <span className="muted"> · last value {fmtAgo(c.lastValueAt, now)}</span>
              {c.errors ? <span> · {c.errors} errors</span> : null}
              {c.untrusted ? (
                <span data-field="untrusted">
                  {' '}
                  · untrusted server certificate <span data-field="subject">{c.untrusted.subject}</span>, SHA-1{' '}
                  <code data-field="thumbprint">{c.untrusted.thumbprint}</code>: compare it with the server's own, then{' '}
                  <button
                    type="button"
                    data-action="trust-certificate"
                    onClick={() => {
                      const t = c.untrusted;
                      if (
                        t &&
                        window.confirm(
                          `Trust the server certificate of ${c.id}?\n${t.subject}\nSHA-1 ${t.thumbprint}\nCompare it with the server's own display first.`,
                        )
                      )
                        void actions.trustCertificate(c.id, t.thumbprint);
                    }}
                  >
                    Trust
                  </button>
                </span>
              ) : null}
            </>
          )}
        </li>
      ))}
    </ul>
  );
}
