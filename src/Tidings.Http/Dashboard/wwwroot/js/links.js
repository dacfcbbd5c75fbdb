// Hash routes of the dashboard's pages. Every segment is percent-encoded, so names with "/",
// "#", "?" or spaces survive the round trip through the address bar.

/** The queue page: #/queues/{vhost}/{name}. */
export const queueHref = (vhost, name) => `#/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`;
