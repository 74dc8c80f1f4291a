import Foundation
public import NIOCore
import NIOPosix
public import NIOSSH
import Synchronization

/// How the appliance logs in to a host.
public enum SSHAuthentication: Sendable {
    case password(String)
    case privateKey(NIOSSHPrivateKey)
}

/// A host to reach over SSH.
public struct SSHEndpoint: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var authentication: SSHAuthentication

    public init(host: String, port: Int = 22, username: String, authentication: SSHAuthentication) {
        self.host = host
        self.port = port
        self.username = username
        self.authentication = authentication
    }
}

/// What went wrong reaching a host or running the script there. No case carries a secret.
public enum SSHError: Error, Equatable, CustomStringConvertible {
    case connect(String)
    /// The host presented a key other than the one pinned on first use: a possible
    /// man-in-the-middle, never connected through.
    case hostKeyChanged(pinned: String, presented: String)
    case authentication(String)
    case timedOut(seconds: Int)
    case session(String)
    case outputTooLarge(limit: Int)

    public var description: String {
        switch self {
        case .connect(let why): "cannot connect: \(why)"
        case .hostKeyChanged(let pinned, let presented):
            "host key changed: pinned \(pinned), presented \(presented); refusing to connect "
                + "(if the host was re-keyed, run `vigil appliance forget-host-key --host HOST`)"
        case .authentication(let why): "authentication failed: \(why)"
        case .timedOut(let seconds): "no answer within \(seconds) s"
        case .session(let why): "SSH session failed: \(why)"
        case .outputTooLarge(let limit): "the host sent more than \(limit) bytes of output"
        }
    }
}

/// What a script printed and how it ended, with the host key the server presented.
public struct SSHCommandResult: Sendable {
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// nil when the command ended without an exit status (killed by a signal).
    public var exitStatus: Int?
    /// The host key the server proved it holds, as `authorized_keys` writes it.
    public var hostKey: String
}

/// Runs one script on one host over one SSH connection (swift-nio-ssh): the script goes to
/// `/bin/sh -s` on standard input, so nothing in it is ever parsed by a remote shell as a command
/// line. The host key must equal the pinned one when there is one; authentication is offered
/// once and a refusal fails at once; every failure closes the connection.
public struct SSHClient: Sendable {
    let group: any EventLoopGroup

    /// On NIO's shared event loops.
    public init() {
        self.group = MultiThreadedEventLoopGroup.singleton
    }

    public init(group: any EventLoopGroup) {
        self.group = group
    }

    /// The fixed commands a script may be fed to: never built from data.
    public enum Interpreter: String, Sendable {
        case shell = "/bin/sh -s"
        /// As root through sudo, without a password prompt (fails at once if sudo would ask).
        case rootShell = "sudo -n /bin/sh -s"
    }

    public func run(
        script: String, on endpoint: SSHEndpoint, pinnedHostKey: String?, timeoutSeconds: Int = 60,
        maximumOutput: Int = 4 << 20, interpreter: Interpreter = .shell
    ) async throws(SSHError) -> SSHCommandResult {
        let observed = SessionObservations()
        let username = endpoint.username
        let authentication = endpoint.authentication
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(Int64(min(timeoutSeconds, 15))))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ssh = NIOSSHHandler(
                        role: .client(
                            .init(
                                userAuthDelegate: OfferOnce(
                                    username: username, authentication: authentication, observed: observed),
                                serverAuthDelegate: PinnedHostKey(pinned: pinnedHostKey, observed: observed))),
                        allocator: channel.allocator, inboundChildChannelInitializer: nil)
                    try channel.pipeline.syncOperations.addHandlers([ssh, ErrorRecorder(observed: observed)])
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            throw .connect("\(endpoint.host):\(endpoint.port): \(error)")
        }
        let promise = channel.eventLoop.makePromise(of: SSHCommandResult.self)
        channel.closeFuture.whenComplete { _ in
            promise.fail(observed.error ?? .session("the connection closed before the command finished"))
        }
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(Int64(timeoutSeconds))) {
            observed.record(.timedOut(seconds: timeoutSeconds))
            promise.fail(SSHError.timedOut(seconds: timeoutSeconds))
            channel.close(promise: nil)
        }
        channel.eventLoop.execute {
            do {
                let ssh = try channel.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                let child = channel.eventLoop.makePromise(of: (any Channel).self)
                child.futureResult.whenFailure { error in
                    promise.fail(observed.error ?? .session("cannot open a session channel: \(error)"))
                    channel.close(promise: nil)
                }
                ssh.createChannel(child, channelType: .session) { childChannel, type in
                    childChannel.eventLoop.makeCompletedFuture {
                        guard type == .session else { throw SSHError.session("unexpected channel type") }
                        try childChannel.pipeline.syncOperations.addHandler(
                            ScriptRunner(
                                script: script, command: interpreter.rawValue, maximumOutput: maximumOutput,
                                observed: observed, promise: promise))
                    }
                }
            } catch {
                promise.fail(SSHError.session("\(error)"))
                channel.close(promise: nil)
            }
        }
        let result: Result<SSHCommandResult, any Error>
        do {
            result = .success(try await promise.futureResult.get())
        } catch {
            result = .failure(error)
        }
        timeout.cancel()
        try? await channel.close().get()
        switch result {
        case .success(var output):
            output.hostKey = observed.hostKey ?? ""
            return output
        case .failure(let error as SSHError): throw error
        case .failure(let error): throw .session("\(error)")
        }
    }
}

/// What the event loop learnt that the caller needs: the presented host key and the first error.
final class SessionObservations: Sendable {
    private let state = Mutex<(hostKey: String?, error: SSHError?)>((nil, nil))

    var hostKey: String? { state.withLock { $0.hostKey } }
    var error: SSHError? { state.withLock { $0.error } }

    func presented(_ key: String) { state.withLock { $0.hostKey = key } }

    /// Keeps the first error: later ones are consequences.
    func record(_ error: SSHError) {
        state.withLock { if $0.error == nil { $0.error = error } }
    }
}

/// Trusts the pinned key only; with no pin, trusts what is presented (the caller pins it).
final class PinnedHostKey: NIOSSHClientServerAuthenticationDelegate {
    let pinned: String?
    let observed: SessionObservations

    init(pinned: String?, observed: SessionObservations) {
        self.pinned = pinned
        self.observed = observed
    }

    func validateHostKey(hostKey: NIOSSHPublicKey, validationCompletePromise: EventLoopPromise<Void>) {
        let presented = hostKey.openSSHString
        observed.presented(presented)
        guard let pinned, pinned != presented else {
            validationCompletePromise.succeed(())
            return
        }
        let pinnedPrint = (try? NIOSSHPublicKey(openSSHPublicKey: pinned))?.fingerprint ?? "unreadable pin"
        let error = SSHError.hostKeyChanged(pinned: pinnedPrint, presented: hostKey.fingerprint)
        observed.record(error)
        validationCompletePromise.fail(error)
    }
}

/// Offers the one configured method once; when the server asks again, the offer was refused
/// and the promise fails, which ends the connection (never a hang).
final class OfferOnce: NIOSSHClientUserAuthenticationDelegate {
    let username: String
    let authentication: SSHAuthentication
    let observed: SessionObservations
    var offered = false

    init(username: String, authentication: SSHAuthentication, observed: SessionObservations) {
        self.username = username
        self.authentication = authentication
        self.observed = observed
    }

    func nextAuthenticationType(
        availableMethods: NIOSSHAvailableUserAuthenticationMethods,
        nextChallengePromise: EventLoopPromise<NIOSSHUserAuthenticationOffer?>
    ) {
        let (method, offer): (NIOSSHAvailableUserAuthenticationMethods, NIOSSHUserAuthenticationOffer.Offer) =
            switch authentication {
            case .password(let password): (.password, .password(.init(password: password)))
            case .privateKey(let key): (.publicKey, .privateKey(.init(privateKey: key)))
            }
        let name = method == .password ? "password" : "public key"
        let error: SSHError? =
            offered
            ? .authentication("the server refused the \(name) of \(username)")
            : availableMethods.contains(method)
                ? nil : .authentication("the server does not accept \(name) authentication")
        if let error {
            observed.record(error)
            nextChallengePromise.fail(error)
            return
        }
        offered = true
        nextChallengePromise.succeed(NIOSSHUserAuthenticationOffer(username: username, serviceName: "", offer: offer))
    }
}

/// Records errors on the connection and closes it.
final class ErrorRecorder: ChannelInboundHandler {
    typealias InboundIn = Any
    let observed: SessionObservations

    init(observed: SessionObservations) { self.observed = observed }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        observed.record((error as? SSHError) ?? .session("\(error)"))
        context.close(promise: nil)
    }
}

/// Runs a fixed interpreter (`/bin/sh -s`, or it under `sudo -n`) in a session channel, writes the script to its standard input, collects
/// both output streams up to a limit, and completes when the channel closes.
final class ScriptRunner: ChannelInboundHandler {
    typealias InboundIn = SSHChannelData
    typealias OutboundOut = SSHChannelData

    let script: String
    let command: String
    let maximumOutput: Int
    let observed: SessionObservations
    let promise: EventLoopPromise<SSHCommandResult>
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    var exitStatus: Int?

    init(
        script: String, command: String, maximumOutput: Int, observed: SessionObservations,
        promise: EventLoopPromise<SSHCommandResult>
    ) {
        self.script = script
        self.command = command
        self.maximumOutput = maximumOutput
        self.observed = observed
        self.promise = promise
    }

    func handlerAdded(context: ChannelHandlerContext) {
        context.channel.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).whenFailure { [observed] error in
            observed.record(.session("\(error)"))
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        let exec = SSHChannelRequestEvent.ExecRequest(command: command, wantReply: true)
        let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let script = ByteBuffer(string: self.script)
        context.triggerUserOutboundEvent(exec).whenComplete { result in
            let context = loopContext.value
            guard case .success = result else {
                context.close(promise: nil)
                return
            }
            context.writeAndFlush(
                NIOAny(SSHChannelData(type: .channel, data: .byteBuffer(script))), promise: nil)
            context.close(mode: .output, promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard case .byteBuffer(let buffer) = message.data else { return }
        switch message.type {
        case .channel: stdout.append(contentsOf: buffer.readableBytesView)
        case .stdErr: stderr.append(contentsOf: buffer.readableBytesView)
        default: return
        }
        if stdout.count + stderr.count > maximumOutput {
            let error = SSHError.outputTooLarge(limit: maximumOutput)
            observed.record(error)
            promise.fail(error)
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let status as SSHChannelRequestEvent.ExitStatus:
            exitStatus = status.exitStatus
        case is ChannelFailureEvent:
            let error = SSHError.session("the server refused to run /bin/sh")
            observed.record(error)
            promise.fail(error)
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(SSHCommandResult(stdout: stdout, stderr: stderr, exitStatus: exitStatus, hostKey: ""))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        observed.record(.session("\(error)"))
        promise.fail(observed.error ?? .session("\(error)"))
        context.close(promise: nil)
    }
}
