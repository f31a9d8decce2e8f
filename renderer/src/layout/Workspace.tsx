// The resizable, dockable control-room layout: columns of docks, tabs per dock, drag the gutters to
// resize, move a pane to another dock from its tab menu, pop it out into its own window (Electron, or
// a browser window in serve mode). Everything is remembered in localStorage.
import { Suspense, useRef, type ReactNode } from 'react';
import { useServices } from '../context';
import { PANES } from '../panes/registry';
import { activate, movePane, resizeColumns, resizeDocks, setPopped, useLayout, type Dock, type PaneId } from '../store/layout';
import { useAlarms, alarmSummary } from '../store/alarms';
import { useApprovals } from '../store/approvals';

export function PaneBody({ id }: { id: PaneId }) {
  const Comp = PANES[id].component;
  return (
    <Suspense fallback={<p className="empty">Loading {PANES[id].title}…</p>}>
      <Comp />
    </Suspense>
  );
}

function Badge({ id }: { id: PaneId }) {
  const pending = useApprovals((s) => s.pending.length);
  // A number is stable under Object.is, so this selector re-renders only when the count changes.
  const unacked = useAlarms((s) => (id === 'alarms' ? alarmSummary(s.alarms).unacked : 0));
  const n = id === 'approvals' ? pending : id === 'alarms' ? unacked : 0;
  return n > 0 ? <span className="count abnormal-count">{n}</span> : null;
}

function Gutter({ dir, onDrag }: { dir: 'col' | 'row'; onDrag: (deltaPx: number, totalPx: number) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  return (
    <div
      ref={ref}
      className={`gutter gutter-${dir}`}
      role="separator"
      aria-orientation={dir === 'col' ? 'vertical' : 'horizontal'}
      onPointerDown={(e) => {
        // The gutter sits inside a dock-wrap (rows) or column-wrap (columns); the container to share is one level up.
        const parent = ref.current?.parentElement?.parentElement;
        if (!parent) return;
        const total = dir === 'col' ? parent.clientWidth : parent.clientHeight;
        let last = dir === 'col' ? e.clientX : e.clientY;
        (e.target as HTMLElement).setPointerCapture(e.pointerId);
        const move = (ev: PointerEvent) => {
          const cur = dir === 'col' ? ev.clientX : ev.clientY;
          onDrag(cur - last, total);
          last = cur;
        };
        const up = () => {
          window.removeEventListener('pointermove', move);
          window.removeEventListener('pointerup', up);
        };
        window.addEventListener('pointermove', move);
        window.addEventListener('pointerup', up);
      }}
    />
  );
}

function DockView({ dock, allDocks }: { dock: Dock; allDocks: Array<{ id: string; label: string }> }) {
  const { shell } = useServices();
  const apply = useLayout((s) => s.apply);
  const popped = useLayout((s) => s.layout.popped);
  const active = dock.active;
  const popOut = async (id: PaneId) => {
    if (shell) {
      if (await shell.popOutPane(id)) apply((l) => setPopped(l, id, true));
      return;
    }
    // A browser (serve mode): a plain window with the pane's route; when it closes, the pane comes back.
    const w = window.open(`${location.pathname}${location.search}#pane=${id}`, `aegisflow-${id}`, 'popup,width=900,height=700');
    if (!w) return;
    apply((l) => setPopped(l, id, true));
    const t = setInterval(() => {
      if (!w.closed) return;
      clearInterval(t);
      apply((l) => setPopped(l, id, false));
    }, 1000);
  };
  return (
    <div className="dock" data-dock={dock.id}>
      <div className="tabs" role="tablist">
        {dock.panes.map((id) => (
          <button
            key={id}
            role="tab"
            type="button"
            aria-selected={id === active}
            className={id === active ? 'tab active' : 'tab'}
            data-pane-tab={id}
            onClick={() => apply((l) => activate(l, id))}
          >
            {PANES[id].title}
            <Badge id={id} />
          </button>
        ))}
        <span className="spacer" />
        {active ? (
          <>
            <select
              className="dock-move"
              aria-label="Move pane to"
              title={`Move ${PANES[active].title} to another dock`}
              value=""
              onChange={(e) => {
                if (e.target.value) apply((l) => movePane(l, active, e.target.value));
              }}
            >
              <option value="">Move to…</option>
              {allDocks
                .filter((d) => d.id !== dock.id)
                .map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.label}
                  </option>
                ))}
            </select>
            <button type="button" className="icon" title="Pop out into its own window" onClick={() => void popOut(active)} data-action="pop-out">
              Pop out
            </button>
          </>
        ) : null}
      </div>
      <section className="pane-body" role="tabpanel" aria-label={active ? PANES[active].title : 'empty dock'} data-pane={active ?? ''}>
        {active == null ? (
          <p className="empty">Empty dock: move a pane here from another dock's menu.</p>
        ) : popped.includes(active) ? (
          <p className="empty">
            {PANES[active].title} is open in its own window.{' '}
            <button type="button" onClick={() => apply((l) => setPopped(l, active, false))}>
              Bring it back
            </button>
          </p>
        ) : (
          <PaneBody id={active} />
        )}
      </section>
    </div>
  );
}

export function Workspace(): ReactNode {
  const layout = useLayout((s) => s.layout);
  const apply = useLayout((s) => s.apply);
  const allDocks = layout.columns.flatMap((c, ci) =>
    c.docks.map((d, di) => ({ id: d.id, label: `column ${ci + 1}, ${di === 0 ? 'top' : di === 1 ? 'bottom' : `dock ${di + 1}`}` })),
  );
  return (
    <div className="workspace">
      {layout.columns.map((c, ci) => (
        <div key={c.id} className="column-wrap" style={{ flexGrow: c.size, flexBasis: 0 }}>
          <div className="column">
            {c.docks.map((d, di) => (
              <div key={d.id} className="dock-wrap" style={{ flexGrow: d.size, flexBasis: 0 }}>
                <DockView dock={d} allDocks={allDocks} />
                {di < c.docks.length - 1 ? <Gutter dir="row" onDrag={(px, total) => apply((l) => resizeDocks(l, ci, di, px / total))} /> : null}
              </div>
            ))}
          </div>
          {ci < layout.columns.length - 1 ? <Gutter dir="col" onDrag={(px, total) => apply((l) => resizeColumns(l, ci, px / total))} /> : null}
        </div>
      ))}
    </div>
  );
}
