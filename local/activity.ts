/**
 * The work a local host is doing right now (HTTP invocations, queue messages being handled), so a
 * drain can tell "nothing is running" from "between two steps": every start and every end counts
 * as a change.
 */
export class Activity {
  running = 0;
  changes = 0;

  /** Marks one piece of work as started; call the function returned when it has ended. */
  begin(): () => void {
    this.running++;
    this.changes++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.running--;
      this.changes++;
    };
  }
}
