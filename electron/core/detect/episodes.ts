// Hits become episodes: one per device while its score stays up, closed after a run of quiet
// samples (hysteresis), typed from the evidence gathered over the whole episode.
import { involvementOf, typeFromInvolvement, severityOf, type EpisodeEvidence } from './classify';
import { DeviceDetector } from './detector';
import { KIND_STUCK, KIND_VARIANCE, kindNames } from './kinds';
import type { DetectorParams, Episode } from './schema';

const WEEK_MS = 7 * 86_400_000;

export const EV_NONE = 0;
export const EV_OPENED = 1;
export const EV_UPDATED = 2;
export const EV_CLOSED = 3;
export type MonitorEvent = typeof EV_NONE | typeof EV_OPENED | typeof EV_UPDATED | typeof EV_CLOSED;

export interface MonitorCounters {
  rows: number;
  duplicates: number;
  outOfOrder: number;
  gaps: number;
  /** Episodes not opened: the series came back to the normal it had before an episode that ended at a new level. */
  returns: number;
}

/**
 * One device: its detector bank and its episode. push() returns what happened to the episode on
 * this row; `episode` is the open one, `closed` the one this row closed.
 */
export class DeviceMonitor {
  readonly detector: DeviceDetector;
  readonly counters: MonitorCounters = { rows: 0, duplicates: 0, outOfOrder: 0, gaps: 0, returns: 0 };
  /** The open episode, if any. */
  episode: Episode | null = null;
  /** The episode the last push closed (valid right after EV_CLOSED). */
  closed: Episode | null = null;
  /** Whether the last accepted row lies inside an episode (open, or just closed by this row). */
  inEpisode = false;
  lastTs = -Infinity;

  private readonly p: DetectorParams;
  private hitRun = 0;
  private quietRun = 0;
  private lowRun = 0;
  private steadyRun = 0;
  private lastStrongTs = 0;
  private firstHitTs = 0;
  private lastActiveTs = 0;
  /** Last sample of the episode whose unsmoothed evidence (detector.rawScore) was still up. */
  private lastRawTs = -Infinity;
  /** Time (ms) this series has been seen in normal operation: its learning span, then every scored interval
   *  outside episodes. An episode's baseline stays frozen for at most this long (and maxFreezeSeconds). */
  private normalMs = 0;
  private normalInit = false;
  /** Since when the detector keeps a known normal (an episode ended at a new level, or learning began after a step); -1: none. */
  private knownSinceTs = -1;
  private catchUp = 0;
  /** Samples left in which no episode may open (after a reconnect). */
  private holdRows = 0;
  /** Per sensor: 1 once a detector fired on it in this episode (flags, not a bit mask: a series may have more than 31 sensors). */
  private readonly hitSensors: Uint8Array;
  private hitSensorCount = 0;
  private kindMask = 0;
  private ev: EpisodeEvidence;
  private readonly newId: (deviceId: string, startTs: number) => string;

  constructor(
    readonly deviceId: string,
    readonly sensors: readonly string[],
    params: DetectorParams,
    newId: (deviceId: string, startTs: number) => string = (dev, ts) => `${dev}@${ts}`,
  ) {
    this.p = params;
    this.detector = new DeviceDetector(sensors.length, params, sensors);
    this.hitSensors = new Uint8Array(sensors.length);
    this.newId = newId;
    this.ev = this.freshEvidence();
  }

  private freshEvidence(): EpisodeEvidence {
    const d = this.sensors.length;
    return {
      sensors: this.sensors,
      peakRel: new Float64Array(d),
      peakZ: new Float64Array(d),
      varHits: new Int32Array(d),
      kinds: new Int32Array(d),
      samples: 0,
    };
  }

  /** What this series' sampling or data could not honour, and the fallback taken. */
  get warnings(): readonly string[] {
    return this.detector.warnings;
  }

  /**
   * A known discontinuity in the data (replay seek, speed change, resume, loop; a reconnect): not an
   * anomaly. The open episode closes at its last active sample, the short-term state is forgotten and
   * the series re-settles for settleSeconds before anything can open again. Returns the closed episode.
   * A replay's seek or loop also forgets the daily and weekly profiles: the tape's time of day no longer
   * follows the plant clock's, and a tape played again shows each of its events once a day by construction
   * (a looped day would teach its own anomalies as a daily cycle).
   */
  discontinuity(kind?: 'seek' | 'speed' | 'resume' | 'loop'): Episode | null {
    const ep = this.forceClose();
    if (kind === 'seek' || kind === 'loop') this.detector.forgetSeason();
    const t = this.detector.timing;
    this.detector.beginResettle(t ? t.resettle : 3);
    this.hitRun = 0;
    this.catchUp = 0;
    this.detector.clearSnapshots();
    return ep;
  }

  /**
   * Data returns after the device was silent (a connector reconnect): its first samples may be stale or
   * transient, so no episode opens for the settle window (ISA-18.2 suppression by design). The learned
   * baseline stays: a fault that began while the data was away is still seen once the window is over.
   */
  reconnected(): void {
    this.detector.resetShortTerm();
    const t = this.detector.timing;
    this.holdRows = t ? t.resettle : 0;
    this.hitRun = 0;
  }

  /** Close the open episode at the last row seen (data gap, device silent, shutdown). */
  forceClose(): Episode | null {
    if (!this.episode) return null;
    const ep = this.episode;
    ep.status = 'closed';
    ep.end_ts = this.lastActiveTs;
    // Cut short (end of data, gap, discontinuity) while it was recovering (its score under recoverRatio × its peak
    // since lastStrongTs): it ends where the recovery rule would end it, at its last strong sample. The hysteresis
    // tail after it only keeps an episode open while the detector waits for the signals to settle; it is not
    // evidence of the event, and a close forced before the wait is over must not turn it into one.
    if (this.recovering()) ep.end_ts = Math.min(ep.end_ts, this.lastStrongTs);
    if (this.lastRawTs >= ep.start_ts && this.lastRawTs < ep.end_ts) ep.end_ts = this.lastRawTs;
    this.episode = null;
    this.lowRun = 0;
    this.hitRun = 0;
    this.quietRun = 0;
    return ep;
  }

  /** The open episode peaked at recoverMinPeak or more and its score has stayed under recoverRatio × that peak since. */
  private recovering(): boolean {
    const ep = this.episode;
    return !!ep && this.p.recoverRatio > 0 && ep.score >= this.p.recoverMinPeak && this.lowRun > 0;
  }

  push(ts: number, values: ArrayLike<number>): MonitorEvent {
    this.inEpisode = false;
    this.closed = null;
    if (!(ts === ts) || ts === Infinity || ts === -Infinity) {
      this.counters.outOfOrder++;
      return EV_NONE;
    }
    if (ts === this.lastTs) {
      this.counters.duplicates++;
      return EV_NONE;
    }
    if (ts < this.lastTs) {
      this.counters.outOfOrder++;
      return EV_NONE;
    }
    let closedByGap: Episode | null = null;
    const det = this.detector;
    // a gap is judged against the series' own sampling period once it is known (during learning: none)
    const t = det.timing;
    if (this.lastTs !== -Infinity && t && ts - this.lastTs > t.gapMs) {
      this.counters.gaps++;
      closedByGap = this.forceClose();
      det.resetShortTerm();
    }
    const prevTs = this.lastTs;
    this.lastTs = ts;
    this.counters.rows++;
    const score = det.push(values, ts);
    if (closedByGap) {
      this.closed = closedByGap;
      return EV_CLOSED;
    }
    if (!det.learned || det.resettling > 0 || !t) {
      this.hitRun = 0;
      return EV_NONE;
    }
    const p = this.p;

    if (!this.normalInit) {
      this.normalInit = true;
      this.normalMs = det.learnedSpanMs;
    }
    const ep = this.episode;
    if (!ep && this.holdRows > 0) {
      // the settle window's samples are no evidence: the filters start from rest after it
      if (--this.holdRows === 0) det.resetShortTerm();
      this.hitRun = 0;
      return EV_NONE;
    }
    if (!ep) {
      if (prevTs !== -Infinity) this.normalMs += Math.min(ts - prevTs, t.gapMs);
      // The state before the last episode is a normal to return to while a rhythm the detector models could bring it
      // back: the longest is a week (season.ts). A state not seen for longer is the past, and a move back to it is an
      // event again. A series that starts mid-anomaly learns the anomaly's level; after it ended, a fault that went
      // back to that level two weeks on was taken for a return (no episode), and its end opened a false one.
      if (!det.hasKnown) this.knownSinceTs = -1;
      else if (this.knownSinceTs < 0) this.knownSinceTs = ts;
      else if (ts - this.knownSinceTs > WEEK_MS) det.forgetKnown();
      // After an episode the baseline catches up for a while on what the day did while it was frozen.
      if (this.catchUp > 0) {
        this.catchUp--;
        det.adapt(values, p.catchUpFactor);
      } else det.adapt(values);
      // Every scored sample teaches the profiles, as inside an episode (a one-off is not a cycle: season.ts). A
      // sample left out because it scored high is the one a step at that hour gives: at one sample per bucket
      // (hourly data) it is the bucket's only sample, whose mean then stays its neighbour's, and the step scores
      // high (opens a false episode) every day or every week for ever (hourly energy: Saturday 00:00).
      det.learnSeason(ts, values);
      if (score >= 1) {
        if (this.hitRun === 0) {
          this.firstHitTs = ts;
          this.hitSensors.fill(0);
          this.hitSensorCount = 0;
          this.kindMask = 0;
          this.ev = this.freshEvidence();
        }
        this.hitRun++;
        this.gather(score);
        if (this.hitRun >= t.open) {
          if (det.returnToKnown()) {
            this.counters.returns++;
            this.hitRun = 0;
            return EV_NONE;
          }
          det.rollback();
          det.holdLevel();
          this.open(ts);
          this.inEpisode = true;
          return EV_OPENED;
        }
      } else {
        this.hitRun = 0;
      }
      return EV_NONE;
    }

    this.inEpisode = true;
    // The baseline stays frozen inside an episode, but not for ever. Past maxFreezeSeconds a daily cycle would
    // carry the signals away from a frozen baseline; and past the time this series has been seen in normal
    // operation (its learning span plus its quiet time since), the frozen baseline claims more than the data
    // ever showed: a state that has lasted longer than all the normal the detector knows is not judged against
    // it for ever. Thawed, the baseline and the wander follow the data again, and the episode ends when its
    // score stays under closeLevel for the close delay, or when the signals hold steady (the new normal).
    const freezeMs = Math.min(t.maxFreeze * t.dtMs, this.normalMs);
    const thawed = ts - ep.start_ts > freezeMs;
    det.adapt(values, thawed ? 1 : this.p.episodeAdapt, thawed ? 1 : this.p.quietAdapt, this.p.closeLevel, this.hitSensors);
    // A cycle learns inside episodes too: a step that comes back every day at the same hour (a shift change,
    // a day/night setpoint) opens an episode each time, and a profile that never saw those hours would never
    // learn it. A one-off fault is not a cycle: a profile is used only once it repeats (season.ts), and one
    // period's samples weigh at most 1/2, then 1/7 (daily) or 1/4 (weekly), of a bucket's mean.
    det.learnSeason(ts, values);
    ep.last_ts = ts;
    ep.samples++;
    const before = ep.type_hint + ep.severity + this.hitSensorCount + '/' + this.kindMask;
    this.gather(score);
    if (score > ep.score) ep.score = score;
    if (score < this.p.closeLevel) this.quietRun++;
    else {
      this.quietRun = 0;
      this.lastActiveTs = ts;
    }
    if (det.rawScore >= this.p.closeLevel) this.lastRawTs = ts;
    // Steady run: consecutive samples in which no sensor's level moved more than settleZ σ.
    if (this.steadyRun === 0 || det.unsettled() >= this.p.settleZ) {
      det.markSettle();
      this.steadyRun = 1;
    } else this.steadyRun++;
    const steady = this.steadyRun >= t.recover;
    // Recovery: the event is over when its score has fallen far below its peak and the signals hold steady.
    let recovered = false;
    if (this.p.recoverRatio > 0 && ep.score >= this.p.recoverMinPeak) {
      if (score < this.p.recoverRatio * ep.score) {
        if (++this.lowRun >= t.recover && steady) recovered = true;
      } else {
        this.lowRun = 0;
        this.lastStrongTs = ts;
      }
    }
    // Settled: past maxFreezeSamples, a steady level is the new normal (a slow wander or a plant that
    // settled elsewhere), not an anomaly to keep open for ever.
    // A stuck sensor is as steady as it gets, and no new normal: it ends when the value moves again.
    if (!recovered && thawed && steady && !(det.kinds & KIND_STUCK)) {
      recovered = true;
      this.lastStrongTs = ts;
    }
    if (this.quietRun >= t.close || recovered) {
      this.refresh(ep);
      ep.status = 'closed';
      // the episode ends at its last active sample, not after the quiet run that confirmed it; and where the
      // unsmoothed evidence ended before the smoothed score fell (a step's end seen through the level filter's
      // lag), at the last sample that evidence was up
      ep.end_ts = recovered ? Math.min(this.lastActiveTs, this.lastStrongTs) : this.lastActiveTs;
      if (this.lastRawTs >= ep.start_ts && this.lastRawTs < ep.end_ts) ep.end_ts = this.lastRawTs;
      if (recovered) {
        det.rebaseline();
        det.keepKnown();
        this.knownSinceTs = ts;
      }
      this.detector.clearSnapshots();
      this.catchUp = t.catchUp;
      this.episode = null;
      this.closed = ep;
      this.hitRun = 0;
      this.quietRun = 0;
      this.lowRun = 0;
      this.steadyRun = 0;
      return EV_CLOSED;
    }
    this.refresh(ep);
    const after = ep.type_hint + ep.severity + this.hitSensorCount + '/' + this.kindMask;
    return before === after ? EV_NONE : EV_UPDATED;
  }

  private gather(score: number): void {
    const det = this.detector;
    const d = this.sensors.length;
    const ev = this.ev;
    ev.samples++;
    for (let i = 0; i < d; i++) {
      const zf = det.zDev[i];
      const mu = det.mu[i];
      const rel = Math.abs(mu) > 1e-9 ? (zf * det.scale[i]) / Math.abs(mu) : 0;
      if (Math.abs(rel) > Math.abs(ev.peakRel[i])) ev.peakRel[i] = rel;
      if (Math.abs(zf) > Math.abs(ev.peakZ[i])) ev.peakZ[i] = zf;
      if (det.sensorScore[i] >= 1) {
        if (!this.hitSensors[i]) {
          this.hitSensors[i] = 1;
          this.hitSensorCount++;
          if (this.episode) det.involve(i);
        }
        if (ev.kinds) ev.kinds[i] |= det.sensorKinds[i];
        if (det.sensorKinds[i] & KIND_VARIANCE) ev.varHits[i]++;
      }
    }
    this.kindMask |= det.kinds;
    void score;
  }

  private open(ts: number): void {
    const ep: Episode = {
      id: this.newId(this.deviceId, this.firstHitTs),
      device_id: this.deviceId,
      start_ts: this.firstHitTs,
      end_ts: null,
      last_ts: ts,
      status: 'open',
      sensors: [],
      detectors: [],
      involvement: [],
      score: this.detector.score,
      severity: 'low',
      type_hint: 'unknown',
      confidence: 0.3,
      samples: this.hitRun,
      acknowledged_by: null,
      acknowledged_at: null,
      ack_note: null,
    };
    this.quietRun = 0;
    this.lowRun = 0;
    this.steadyRun = 0;
    this.lastActiveTs = ts;
    this.lastStrongTs = ts;
    this.lastRawTs = this.detector.rawScore >= this.p.closeLevel ? ts : -Infinity;
    this.refresh(ep);
    this.episode = ep;
  }

  private refresh(ep: Episode): void {
    const names: string[] = [];
    for (let i = 0; i < this.sensors.length; i++) if (this.hitSensors[i]) names.push(this.sensors[i]);
    // a cross-sensor-only hit names no single sensor: name the ones that moved most
    if (names.length === 0) {
      let bi = 0;
      for (let i = 1; i < this.sensors.length; i++) if (Math.abs(this.ev.peakZ[i]) > Math.abs(this.ev.peakZ[bi])) bi = i;
      names.push(this.sensors[bi]);
    }
    ep.sensors = names;
    ep.detectors = kindNames(this.kindMask);
    ep.involvement = involvementOf(this.ev);
    const { type, confidence } = typeFromInvolvement(ep.involvement);
    ep.type_hint = type;
    ep.confidence = Math.round(confidence * 100) / 100;
    ep.severity = severityOf(ep.score, type);
  }
}
