/**
 * svidkit as a library: SPIFFE IDs, SVIDs and bundles with go-spiffe's rules and messages, a
 * Workload API client and server, sources that keep SVIDs and bundles current (X509Source,
 * JwtSource, WorkloadBundleSource), SPIFFE TLS for node:tls/https/http2/undici/grpc-js with
 * authorizers, a JWT-SVID bearer check, and the error family. The CLIs (tctl, tbot, teleport) are built
 * on the same modules.
 */
export {SpiffeId, TrustDomain, validatePath, validatePathSegment} from './lib/spiffe/id.js'
export {X509Svid, idFromCert, type VerifiedX509Svid, type VerifyOptions} from './lib/spiffe/x509-svid.js'
export {JwtSvid, type JwtSvidOptions} from './lib/spiffe/jwt-svid.js'
export {
  BundleSet, JwtBundle, SpiffeBundle, X509Bundle,
  type BundleSource, type JwtBundleSource, type X509BundleSource,
} from './lib/spiffe/bundle.js'
export {loadJwtBundle, loadSpiffeBundle, loadX509Bundle} from './lib/input/bundle-files.js'
export {WorkloadApiClient, WorkloadApiError, type JwtSvidParams, type WorkloadApiClientOptions} from './lib/workloadapi/client.js'
export {
  startWorkloadApiServer, type RunningWorkloadApiServer, type WorkloadApiServerOptions,
} from './lib/workloadapi/server.js'
export type {WorkloadIdentitySource, WorkloadCaller, X509SvidEntry, JwtSvidEntry, TrustBundles} from './lib/workloadapi/source.js'
export {SOCKET_ENV, parseWorkloadAddress, type WorkloadAddress} from './lib/workloadapi/address.js'
export {
  SvidkitError, BadParameterError, NotFoundError, AlreadyExistsError, AccessDeniedError, CompareFailedError,
  UnauthenticatedError, LimitExceededError, ConnectionProblemError, CorruptStateError, SpiffeIdError, InputError,
  type ErrorCode, type SpiffeIdErrorCode, type InputLocation,
} from './lib/errors.js'
export {X509Source, JwtSource, WorkloadBundleSource, type X509SourceOptions, type SourceOptions, type SourceEvents} from './lib/workloadapi/sources/index.js'
export {
  authorizeAny, authorizeID, authorizeOneOf, authorizeMemberOf, mtlsServerConfig, tlsServerConfig, mtlsClientConfig, tlsClientConfig,
  undiciAgent, grpcChannelCredentials, grpcServerCredentials, verifyJwtBearer, jwtBearerGate,
  type Authorizer, type ServerTlsConfig, type ClientTlsConfig, type X509SvidSource, type X509BundleListSource, type JwtBearerOptions,
} from './lib/tlsconfig/index.js'
