import ArgumentParser
import HtpasswdCore
import HtpasswdVerifier

extension Htpass {
    struct Export: RequestCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Print a file as a Kubernetes Secret, or as a value for Docker Compose or a .env file.",
            discussion: """
                --format k8s-secret --for CONSUMER prints a Secret manifest with the type and key CONSUMER reads, \
                the file's bytes in base64 on one line: \(SecretConsumer.shapes). Entries the consumer \
                cannot verify (checked with its target profiles: see 'htpass check') are refused with status 5, \
                and nothing is printed.

                --format compose prints the entries as one comma-separated value with every '$' doubled, for a \
                Compose label or environment value (traefik.http.middlewares.NAME.basicauth.users=...); --format \
                dotenv prints NAME='...' (--name, default HTPASSWD_USERS) for a .env file, single-quoted so that \
                nothing is interpolated. These values are for labels and variables only: a file that a container \
                reads is mounted as it is, never escaped (mount its directory, so that edits reach the container).

                EXAMPLES:
                  htpass export htpasswd --format k8s-secret --for ingress-nginx --name basic-auth --namespace web | kubectl apply -f -
                  htpass export htpasswd --format compose --for traefik
                  htpass export htpasswd --format dotenv >> .env
                """)

        @Argument(help: "The htpasswd file.", completion: .file())
        var file: String

        @Option(name: .customLong("format"), help: ArgumentHelp("What to print.", valueName: "format"))
        var exportFormat: ExportFormat

        var format: TextFormat { exportFormat.text }

        @Option(
            name: .customLong("for"),
            help: ArgumentHelp(
                "The consumer that reads the Secret, which decides its type and key.", valueName: "consumer"))
        var consumer: SecretConsumer?

        @Option(help: ArgumentHelp("The Secret's name, or the .env variable's.", valueName: "name"))
        var name: String?

        @Option(help: ArgumentHelp("The Secret's namespace.", valueName: "namespace"))
        var namespace: String?

        @OptionGroup(title: "Targets")
        var target: TargetOptions

        func makeRequest() throws -> Request {
            .export(
                try ExportRequest(
                    file: file, format: format, consumer: consumer, name: name, namespace: namespace,
                    targets: target.choice))
        }
    }
}

extension Htpass.Export: FileCommand {
    static var fileUse: FileUse { .read }
}
