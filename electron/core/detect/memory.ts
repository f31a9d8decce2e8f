// What the baselines remember beyond where they stand, for the episode rules (episodes.ts): snapshots to roll
// back to when an episode opens, the level baseline an episode opened on, the normal before the last episode
// that ended at a new level (a return to it is no fault), and where a steady run began. DeviceDetector
// (detector.ts) runs a series through it; the baselines themselves are CombinedDetectors' (combined.ts).
import { CombinedDetectors } from './combined';
import { KIND_VARIANCE } from './kinds';
import type { DetectorParams } from './schema';
import type { SampleTiming } from './timing';

/** Baseline snapshots kept for rollback (ring buffer per device: O(1) memory). */
const SNAPSHOTS = 6;

export class BaselineMemory extends CombinedDetectors {
  learned = false;
  /** This row's values with the seasonal component removed. */
  protected readonly xs: Float64Array;
  /** Where the signals sat when a steady run began (while re-settling: the sum of the new level). */
  protected readonly anchor: Float64Array;
  /** The level baseline when the open episode opened. */
  protected readonly muF0: Float64Array;
  /** The slow and level baselines before the last episode, kept (known) once it ended at a new level: the normal a return goes back to. */
  protected readonly knownMu: Float64Array;
  protected readonly knownMuF: Float64Array;
  protected known = false;
  private readonly snaps: Float64Array;
  private snapPos = 0;
  private snapN = 0;
  private sinceSnap = 0;

  constructor(d: number, params: DetectorParams) {
    super(d, params);
    this.xs = new Float64Array(d);
    this.anchor = new Float64Array(d);
    this.muF0 = new Float64Array(d);
    this.knownMu = new Float64Array(d);
    this.knownMuF = new Float64Array(d);
    this.snaps = new Float64Array(2 * SNAPSHOTS * d);
  }

  /**
   * Roll the baseline back to where it stood about rollbackSamples ago. Called when an episode
   * opens: a slow drift is learned as normal before it is detected, and a baseline left holding that
   * part of it would turn the drift's end into a second, false episode.
   */
  rollback(): void {
    if (this.snapN < SNAPSHOTS) return;
    // the oldest snapshot sits at snapPos (ring buffer full)
    const o = 2 * this.snapPos * this.d;
    for (let i = 0; i < this.d; i++) {
      this.mu[i] = this.snaps[o + i];
      this.muF[i] = this.snaps[o + this.d + i];
    }
  }

  /** An episode opened: remember the level baseline it is judged against (involve() goes back to it), and the baselines before it. */
  holdLevel(): void {
    this.muF0.set(this.muF);
    this.knownMu.set(this.mu);
    this.knownMuF.set(this.muF);
    this.known = false;
  }

  /** The episode ended at a new level (rebaseline): the baselines it opened on stay known as a normal of this series. */
  keepKnown(): void {
    this.known = this.learned && this.p.mode !== 'zscore';
  }

  /** The baselines before the last episode are no longer a normal a return goes back to (the monitor: see there). */
  forgetKnown(): void {
    this.known = false;
  }

  get hasKnown(): boolean {
    return this.known;
  }

  /**
   * The row that would open an episode is the series back at the normal it had before the last episode, which ended
   * at a new level (a load change, or a fault the freeze limit took as the new normal): that is the normal the series
   * was learned on, not a second event. True if every sensor's value is within the level detector's limit of that
   * baseline (and no oscillation fired): the baselines go back to it, the filters restart, and no episode opens.
   * Checked on this row's values, not a smoothed level (a smoothed one still trails the step back when the episode
   * would open); a row with a sensor past the limit opens the episode as before.
   */
  returnToKnown(): boolean {
    if (!this.known || this.kinds & KIND_VARIANCE) return false;
    const lim = this.p.levelThreshold;
    for (let i = 0; i < this.d; i++) {
      const wf = this.wanderF[i];
      if (Math.abs(this.xs[i] - this.knownMuF[i]) / this.scale[i] >= lim * (wf > 1 ? Math.sqrt(wf) : 1)) return false;
    }
    this.mu.set(this.knownMu);
    this.muF.set(this.knownMuF);
    this.lvl.set(this.xs);
    this.rest();
    this.clearSnapshots();
    this.known = false;
    return true;
  }

  /**
   * Sensor i takes part in the open episode from now on: its level baseline goes back to where it stood when the
   * episode opened. While it took no part it followed the data (quietAdapt); what it followed may be the
   * episode's own slow move, whose end would otherwise read as a fresh step against it.
   */
  involve(i: number): void {
    if (this.p.mode === 'zscore' || !this.learned) return;
    this.zf[i] -= (this.muF0[i] - this.muF[i]) / this.scale[i];
    this.muF[i] = this.muF0[i];
  }

  /** Forget the baseline snapshots (after an episode: only snapshots taken since then are trusted). */
  clearSnapshots(): void {
    this.snapN = 0;
    this.snapPos = 0;
    this.sinceSnap = 0;
  }

  /** Start a steady run: remember where the signals sit now. */
  markSettle(): void {
    this.anchor.set(this.lvl);
  }

  /**
   * Largest move, in robust σ, of any sensor's level since markSettle(): small while the signals hold a
   * steady level (returned to the old one, or settled at a new one).
   */
  unsettled(): number {
    let worst = 0;
    for (let i = 0; i < this.d; i++) {
      const g = Math.abs(this.lvl[i] - this.anchor[i]) / this.scale[i];
      if (g > worst) worst = g;
    }
    return worst;
  }

  /**
   * The level the signals hold now becomes the baseline (an episode ended on a steady state that is
   * not the old one). Spread, covariance and variance level stay as learned; the filters restart.
   */
  rebaseline(): void {
    if (!this.learned || this.p.mode === 'zscore') return;
    this.levelAsBaseline();
    this.clearSnapshots();
  }

  /** Snapshot the baseline every rollbackSamples/SNAPSHOTS samples (adapt(), while nothing is open). */
  protected snapshot(t: SampleTiming): void {
    if (t.rollback <= 0 || ++this.sinceSnap < Math.max(1, Math.floor(t.rollback / SNAPSHOTS))) return;
    this.sinceSnap = 0;
    this.snaps.set(this.mu, 2 * this.snapPos * this.d);
    this.snaps.set(this.muF, (2 * this.snapPos + 1) * this.d);
    this.snapPos = (this.snapPos + 1) % SNAPSHOTS;
    if (this.snapN < SNAPSHOTS) this.snapN++;
  }

  /** Sensor i's seasonal profile moved by delta: every baseline of it, remembered ones too, moves with it. */
  protected shiftBaselines(i: number, delta: number): void {
    this.mu[i] -= delta;
    this.muF[i] -= delta;
    this.muF0[i] -= delta;
    this.knownMu[i] -= delta;
    this.knownMuF[i] -= delta;
    this.lvl[i] -= delta;
    this.anchor[i] -= delta;
  }
}
