/**
 * What ends the hop behind a proxied request: the client leaving, the gateway's stream watch
 * closing its stream, or the proxy's deadline on the answer's start. One controller that is its own
 * listener on the client's signal, and the only signal handed to the request behind: an open stream
 * holds this one object for it, not a closure and its scope, nor a deadline's controller and a
 * signal joining the two (about 1 KB a stream in the gateway, measured).
 */
export class Hop extends AbortController implements EventListenerObject {
  constructor(client: AbortSignal) {
    super();
    if (client.aborted) this.abort(client.reason);
    else client.addEventListener("abort", this, { once: true });
  }

  handleEvent() {
    this.abort();
  }
}
