// grpc-js over SPIFFE mTLS: a server admitting one client SPIFFE ID and a client accepting one server
// SPIFFE ID, each on its own Workload API socket (here in one process for brevity).
//
//   SERVER_SOCKET=unix:///run/tbot/server.sock CLIENT_SOCKET=unix:///run/tbot/client.sock node examples/spiffe/grpc.mjs
import * as grpc from '@grpc/grpc-js'
import {X509Source, authorizeID, grpcChannelCredentials, grpcServerCredentials} from 'svidkit'

const raw = {serialize: (b) => b, deserialize: (b) => b}
const service = {
  Hello: {path: '/example.Greeter/Hello', requestStream: false, responseStream: false,
    requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize},
}
const serverSource = await X509Source.create({address: process.env.SERVER_SOCKET})
const clientSource = await X509Source.create({address: process.env.CLIENT_SOCKET})
const serverId = serverSource.getX509Svid().id
const clientId = clientSource.getX509Svid().id

const server = new grpc.Server()
server.addService(service, {Hello: (call, callback) => callback(null, Buffer.from(`hello ${call.getAuthContext().sslPeerCertificate?.subjectaltname}`))})
const credentials = await grpcServerCredentials(serverSource, serverSource, authorizeID(clientId), {grpc})
const port = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))))

const Greeter = grpc.makeGenericClientConstructor(service, 'Greeter')
const client = new Greeter(`127.0.0.1:${port}`, await grpcChannelCredentials(clientSource, clientSource, authorizeID(serverId), {grpc}))
client.Hello(Buffer.from(''), (err, reply) => {
  console.log(err ? `failed: ${err.message}` : reply.toString())
  client.close()
  server.forceShutdown()
  serverSource.close()
  clientSource.close()
})
