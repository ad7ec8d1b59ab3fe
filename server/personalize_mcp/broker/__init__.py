"""Each person as themselves on a shared server (`serve --transport http --auth broker`).

The server is the MCP authorization server for its clients and sends each person through
Contentstack's own consent for the organisation's app; every tool call then runs with that person's
Contentstack login. One module per job:

* `settings`        — the public URL, the organisation, its app, our scopes and token lifetimes;
* `records`, `storage` — what is kept (logins sealed, our tokens as digests) and under which keys;
* `clients`, `client_metadata`, `client_auth` — registered clients (loopback redirects on any port),
  Client ID Metadata Documents fetched safely, client secrets checked against their digests;
* `provider`, `tokens`, `client_book` — the SDK's `OAuthAuthorizationServerProvider` (codes, tokens,
  rotation, revocation), our token models and the accepted-token memo, the clients it knows;
* `pages`, `consent`, `callback` — our consent page (CSRF and browser binding against the confused
  deputy), and Contentstack's answer turned into the person's login and our code;
* `person`          — who consented (`GET /v3/user`), and whether they belong to the organisation;
* `routes`          — the SDK's handlers and ours in front of the MCP app, with the fuller metadata;
* `renewal`         — renewing a login once across replicas (a lease with heartbeat, compare-and-set);
* `credentials`     — `PersonCredentials`: the current request's person, for the client stack.

May import: `mcp` (the SDK's authorization-server side), `contentstack` (its error types), `auth`
(the Contentstack OAuth client), `store`, `config`, `runtime`.
"""
