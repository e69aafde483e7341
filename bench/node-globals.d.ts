// @types/node exposes Web Crypto's key type only as `webcrypto.CryptoKey`; the relay's signing
// module (shared with workerd) names the global one. Declared here so the harness, which
// imports that module under Node, type-checks without pulling in the DOM library.
type CryptoKey = import("node:crypto").webcrypto.CryptoKey;
