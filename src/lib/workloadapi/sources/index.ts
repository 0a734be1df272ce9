/** The Workload API sources (go-spiffe v2/workloadapi X509Source, JWTSource, BundleSource). */
export {X509Source, type X509SourceOptions} from './x509-source.js'
export {JwtSource} from './jwt-source.js'
export {WorkloadBundleSource} from './bundle-source.js'
export type {SourceEvents, SourceOptions} from './common.js'
