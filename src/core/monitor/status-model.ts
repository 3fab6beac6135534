// What the status page shows, as the monitor daemon hands it over: the latest pass, the firing
// alerts and 24 hours of a few series. The daemon builds it (from its history); the page only
// draws it. Pure types.
import type { Signal } from '../check/signal.ts';

export interface StatusAlert {
  id: string;
  severity: 'warning' | 'critical';
  /** When the condition began (ISO). */
  since: string;
  summary: string;
}

export interface StatusSeries {
  /** Stable, e.g. "synapse.rss". */
  id: string;
  label: string;
  /** As in a signal: bytes, seconds, ratio, hours, days, events, … */
  unit: string;
  /** [epoch ms, value], oldest first. */
  points: [number, number][];
  warn?: number;
  critical?: number;
}

export interface StatusPageModel {
  serverName: string;
  /** ISO time the model was built: "now" for ages and the charts' right edge. */
  generatedAt: string;
  level: 'ok' | 'warn' | 'critical';
  signals: Signal[];
  alerts: StatusAlert[];
  series: StatusSeries[];
}
