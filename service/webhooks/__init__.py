"""Change webhooks fed from the log: subscriptions name the events they want
(`names`), each delivery is signed as the Standard Webhooks specification says
(`signing`), target addresses are checked against server-side request forgery when
subscribing and again when connecting (`ssrf`), and a background worker delivers each
subscription's events in log order, at least once, with retries (`delivery`, `worker`,
started and stopped with the app by `lifecycle`)."""
