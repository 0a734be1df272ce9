/** SPIFFE TLS for Node (go-spiffe v2/spiffetls/tlsconfig): configs, authorizers, and their adapters. */
export {authorizeAny, authorizeID, authorizeMemberOf, authorizeOneOf, type Authorizer} from './authorizer.js'
export {mtlsServerConfig, tlsServerConfig, type ServerTlsConfig} from './server.js'
export {mtlsClientConfig, tlsClientConfig, type ClientTlsConfig} from './client.js'
export type {X509BundleListSource, X509SvidSource} from './sources.js'
export {grpcChannelCredentials, grpcServerCredentials} from './grpc.js'
export {undiciAgent} from './undici.js'
export {jwtBearerGate, verifyJwtBearer, type JwtBearerOptions} from './jwt-bearer.js'
