import { readFileSync } from 'node:fs';

/**
 * Linux process facts from /proc, for the two places that must tell a live process from a dead or dying one:
 * the training lock and the clean-up of staging folders a killed stage left behind.
 */
export interface ProcessIdentity {
  pid: number;
  /** Clock ticks since boot at which the process started: a recycled pid has another one. */
  startTime: string;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** The identity of a running process, or null when there is none: a zombie or a dying process counts as gone. */
export function processIdentity(pid: number): ProcessIdentity | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const fields = statFields(pid);
  // fields[0] is the state (Z zombie, X dead); fields[19] is field 22 of stat(5), the start time.
  if (!fields || fields[0] === 'Z' || fields[0] === 'X') return null;
  return { pid, startTime: fields[19] ?? '' };
}

/** Whether `identity` still names the same running process (same pid and start time). */
export function stillRunning(identity: ProcessIdentity): boolean {
  const now = processIdentity(identity.pid);
  return now !== null && (identity.startTime === '' || now.startTime === identity.startTime);
}

/** Whether this process is the leader of its process group (field 5 of stat(5), pgrp, is its own pid). */
export function leadsOwnProcessGroup(): boolean {
  return statFields(process.pid)?.[2] === String(process.pid);
}

/** "<pid> <start time>", as lock files record their holder. */
export const formatIdentity = (identity: ProcessIdentity): string => `${identity.pid} ${identity.startTime}`;

export function parseIdentity(text: string): ProcessIdentity | null {
  const [pid, startTime = ''] = text.trim().split(/\s+/);
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? { pid: n, startTime } : null;
}

/**
 * Calls `onGone` once when this process's parent has died (Linux re-parents an orphan, so its ppid changes).
 * `parent` is the pid that started this process: pass it when known (the stage executor exports it), because a
 * parent that died while this process was still loading has already been replaced by the time it is asked.
 * The timer does not keep the process alive.
 */
export function watchParent(onGone: () => void, parent: number = process.ppid, intervalMs = 200): () => void {
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
