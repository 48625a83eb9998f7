// A deployment's live events over EventSource. When the stream drops (the server ends every
// stream after a while, proxies cut idle ones), the browser reconnects by itself and sends
// Last-Event-ID, so Panda resumes after the last event this page saw. Ids already seen are
// skipped as well, so even a full replay shows nothing twice.
import { eventsURL } from './api.js';

export class DeploymentStream {
  /**
   * @param {string} id deployment id
   * @param {{onEvent: Function, onState: Function, onGaveUp: Function}} handlers
   *   onEvent({id, type, data}) once per event; onState(text) for the connection's state;
   *   onGaveUp() when the browser stopped reconnecting (an HTTP error): call reopen() to retry.
   */
  constructor(id, handlers) {
    this.id = id;
    this.handlers = handlers;
    this.seen = new Set();
    this.opens = 0;
    this.duplicates = 0;
    this.finished = false;
    this.open();
  }

  open() {
    const source = new EventSource(eventsURL(this.id));
    this.source = source;
    source.addEventListener('open', () => {
      this.opens += 1;
      this.report(this.opens === 1 ? 'live' : `live (reconnected ${this.opens - 1}×)`);
    });
    for (const type of ['stage', 'done', 'error']) {
      source.addEventListener(type, (message) => {
        // A deployment's `error` event shares its name with EventSource's own connection errors.
        if (message instanceof MessageEvent) this.receive(type, message);
      });
    }
    source.addEventListener('error', (event) => {
      if (event instanceof MessageEvent || this.finished) return;
      if (source.readyState === EventSource.CLOSED) {
        this.report('disconnected');
        this.handlers.onGaveUp?.();
      } else {
        this.report('reconnecting…');
      }
    });
  }

  receive(type, message) {
    const eventId = message.lastEventId;
    if (eventId && this.seen.has(eventId)) {
      this.duplicates += 1;
      return;
    }
    if (eventId) this.seen.add(eventId);
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      data = { message: message.data };
    }
    this.handlers.onEvent({ id: eventId, type, data });
    if (type !== 'stage') {
      // The deployment has ended: nothing more will come, so don't let the browser reconnect.
      this.finished = true;
      this.source.close();
      this.report('complete');
    }
  }

  /** Opens again after the browser gave up; ids seen so far are still skipped. */
  reopen() {
    if (this.finished) return;
    this.source.close();
    this.open();
  }

  close() {
    this.finished = true;
    this.source.close();
  }

  report(state) {
    this.state = state;
    this.handlers.onState?.(this);
  }
}
