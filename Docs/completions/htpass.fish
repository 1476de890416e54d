function __htpass_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __htpass_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __htpass_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __htpass_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __htpass_parse_tokens -S
    set -l unparsed_tokens (__htpass_tokens -pc)
    switch $unparsed_tokens[1]
    case 'htpass'
        __htpass_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'create'
            __htpass_parse_subcommand 2 'force' 'stdin' 'password-file=' 'password-env=' 'allow-empty' 'generate' 'length=' 'a/algorithm=' 'cost=' 'rounds=' 'target=' 'mode=' 'group=' 'lock-timeout=' 'write-mode=' 'q/quiet' 'version' 'h/help'
        case 'add'
            __htpass_parse_subcommand 2 'create' 'stdin' 'password-file=' 'password-env=' 'allow-empty' 'generate' 'length=' 'a/algorithm=' 'cost=' 'rounds=' 'target=' 'mode=' 'group=' 'lock-timeout=' 'write-mode=' 'json' 'q/quiet' 'version' 'h/help'
        case 'delete'
            __htpass_parse_subcommand -r 2 'missing-ok' 'lock-timeout=' 'write-mode=' 'json' 'q/quiet' 'version' 'h/help'
        case 'verify'
            __htpass_parse_subcommand 2 'stdin' 'password-file=' 'password-env=' 'allow-empty' 'as=' 'version' 'h/help'
        case 'list'
            __htpass_parse_subcommand 1 'l/long' 'json' 'target=' 'version' 'h/help'
        case 'hash'
            __htpass_parse_subcommand 1 'stdin' 'password-file=' 'password-env=' 'allow-empty' 'generate' 'length=' 'a/algorithm=' 'cost=' 'rounds=' 'target=' 'format=' 'name=' 'version' 'h/help'
        case 'check'
            __htpass_parse_subcommand 1 'target=' 'json' 'strict' 'version' 'h/help'
        case 'apply'
            __htpass_parse_subcommand 2 'exclusive' 'dry-run' 'diff' 'hashed' 'json' 'create' 'allow-empty' 'allow-no-users' 'jobs=' 'a/algorithm=' 'cost=' 'rounds=' 'target=' 'mode=' 'group=' 'lock-timeout=' 'write-mode=' 'q/quiet' 'version' 'h/help'
        case 'export'
            __htpass_parse_subcommand 1 'format=' 'for=' 'name=' 'namespace=' 'target=' 'version' 'h/help'
        case 'recover'
            __htpass_parse_subcommand 1 'lock-timeout=' 'q/quiet' 'version' 'h/help'
        case 'htpasswd'
            __htpass_parse_subcommand -r 1 'version' 'h/help'
        case 'completions'
            __htpass_parse_subcommand 1 'version' 'h/help'
        case 'serve'
            __htpass_parse_subcommand -r 1 'version' 'h/help'
        case 'help'
            __htpass_parse_subcommand -r 1 'version'
        end
    end
end

function __htpass_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __htpass_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __htpass_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __htpass_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__htpass_tokens -p)
    if test -z "$(__htpass_tokens -t)"
        set -l index (count (__htpass_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'htpass' -f
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'create' -d 'Create an htpasswd file, optionally with a first user.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'add' -d 'Add a user, or change a user\'s password.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'delete' -d 'Remove users from an htpasswd file.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'verify' -d 'Check a user\'s password.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'list' -d 'List the users of an htpasswd file, in file order.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'hash' -d 'Print a hash, or a USER:hash line, without touching any file.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'check' -d 'Lint a file and its path for the servers that read it.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'apply' -d 'Bring a file to the users of a SPEC, in one locked write and without churn.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'export' -d 'Print a file as a Kubernetes Secret, or as a value for Docker Compose or a .env file.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'recover' -d 'Finish an interrupted in-place edit of a file.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'htpasswd' -d 'Apache htpasswd\'s command line (-c, -n, -b, -i, -B, -D, -v...), without its traps.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'completions' -d 'Print the shell completion script for bash, zsh or fish.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'serve' -d 'Answer reverse proxies\' authorization requests (nginx auth_request, Caddy forward_auth).'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass create" -eq 1' -F
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" force' -l 'force' -d 'Replace an existing file: every user in it is removed.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" stdin' -l 'stdin' -d 'Read the password from standard input (all of it, less one trailing newline).'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" password-file' -l 'password-file' -d 'Read the password from the file at PATH (less one trailing newline).' -rF
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" password-env' -l 'password-env' -d 'Read the password from the environment variable NAME.' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" allow-empty' -l 'allow-empty' -d 'Accept an empty password (refused otherwise).'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" generate' -l 'generate' -d 'Make a random password (letters and digits, from the system CSPRNG) and print it once on standard output.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" length' -l 'length' -d 'Length of a generated password (default 20; 8 with des).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" a algorithm' -s 'a' -l 'algorithm' -d 'Hash format (default bcrypt; with --target, the strongest every target verifies); apr1, sha1 and des are weak.' -rfka 'bcrypt sha512 sha256 yescrypt apr1 sha1 des'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" cost' -l 'cost' -d 'bcrypt cost, 4 to 31 (default 10; above 17 Apache cannot verify).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" rounds' -l 'rounds' -d 'sha256/sha512 rounds, 1000 to 999999999 (default 5000).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" target' -l 'target' -d 'The servers that read the file: nginx, nginx-alpine (also alpine, ingress-nginx), apache (also httpd, apache2), lighttpd, traefik, registry (also docker-registry, distribution), envoy (also envoy-gateway), openshift; a comma list for several. Default: HTPASS_TARGET.' -rfka 'nginx nginx-alpine apache lighttpd traefik registry envoy openshift'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" mode' -l 'mode' -d 'Mode of a new file, in octal (default 0640).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" group' -l 'group' -d 'Group of a new file: the web server\'s, such as www-data (Debian) or nginx (Alpine, RHEL).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another edit of the file to finish (default 10).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" write-mode' -l 'write-mode' -d 'How the file is replaced (default auto: in place only where a rename would not reach every reader, such as a file bind-mounted alone, a mount point, hard links; by rename elsewhere). HTPASS_WRITE_MODE sets the default.' -rfka 'auto rename in-place'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" q quiet' -s 'q' -l 'quiet' -d 'Print no notes on standard error (what was done, how the file was written); warnings and errors still.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass add" -eq 1' -F
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" create' -l 'create' -d 'Create the file if it does not exist.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" stdin' -l 'stdin' -d 'Read the password from standard input (all of it, less one trailing newline).'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" password-file' -l 'password-file' -d 'Read the password from the file at PATH (less one trailing newline).' -rF
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" password-env' -l 'password-env' -d 'Read the password from the environment variable NAME.' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" allow-empty' -l 'allow-empty' -d 'Accept an empty password (refused otherwise).'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" generate' -l 'generate' -d 'Make a random password (letters and digits, from the system CSPRNG) and print it once on standard output.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" length' -l 'length' -d 'Length of a generated password (default 20; 8 with des).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" a algorithm' -s 'a' -l 'algorithm' -d 'Hash format (default bcrypt; with --target, the strongest every target verifies); apr1, sha1 and des are weak.' -rfka 'bcrypt sha512 sha256 yescrypt apr1 sha1 des'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" cost' -l 'cost' -d 'bcrypt cost, 4 to 31 (default 10; above 17 Apache cannot verify).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" rounds' -l 'rounds' -d 'sha256/sha512 rounds, 1000 to 999999999 (default 5000).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" target' -l 'target' -d 'The servers that read the file: nginx, nginx-alpine (also alpine, ingress-nginx), apache (also httpd, apache2), lighttpd, traefik, registry (also docker-registry, distribution), envoy (also envoy-gateway), openshift; a comma list for several. Default: HTPASS_TARGET.' -rfka 'nginx nginx-alpine apache lighttpd traefik registry envoy openshift'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" mode' -l 'mode' -d 'Mode of a new file, in octal (default 0640).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" group' -l 'group' -d 'Group of a new file: the web server\'s, such as www-data (Debian) or nginx (Alpine, RHEL).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another edit of the file to finish (default 10).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" write-mode' -l 'write-mode' -d 'How the file is replaced (default auto: in place only where a rename would not reach every reader, such as a file bind-mounted alone, a mount point, hard links; by rename elsewhere). HTPASS_WRITE_MODE sets the default.' -rfka 'auto rename in-place'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" json' -l 'json' -d 'Print what changed as one JSON object, as \'htpass apply --json\' does.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" q quiet' -s 'q' -l 'quiet' -d 'Print no notes on standard error (what was done, how the file was written); warnings and errors still.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass delete" -eq 1' -F
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass delete" missing-ok' -l 'missing-ok' -d 'Do not fail when a user is not in the file.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass delete" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another edit of the file to finish (default 10).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass delete" write-mode' -l 'write-mode' -d 'How the file is replaced (default auto: in place only where a rename would not reach every reader, such as a file bind-mounted alone, a mount point, hard links; by rename elsewhere). HTPASS_WRITE_MODE sets the default.' -rfka 'auto rename in-place'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass delete" json' -l 'json' -d 'Print what changed as one JSON object (with "missing": the users that were not there).'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass delete" q quiet' -s 'q' -l 'quiet' -d 'Print no notes on standard error (what was done, how the file was written); warnings and errors still.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass delete" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass delete" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass verify" -eq 1' -F
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass verify" stdin' -l 'stdin' -d 'Read the password from standard input (all of it, less one trailing newline).'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass verify" password-file' -l 'password-file' -d 'Read the password from the file at PATH (less one trailing newline).' -rF
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass verify" password-env' -l 'password-env' -d 'Read the password from the environment variable NAME.' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass verify" allow-empty' -l 'allow-empty' -d 'Accept an empty password (refused otherwise).'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass verify" as' -l 'as' -d 'Give the verdict of this server, reading the file as it does (default nginx): nginx, nginx-alpine (also alpine, ingress-nginx), apache (also httpd, apache2), lighttpd, traefik, registry (also docker-registry, distribution), envoy (also envoy-gateway), openshift.' -rfka 'nginx nginx-alpine apache lighttpd traefik registry envoy openshift'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass verify" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass list" -eq 1' -F
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass list" l long' -s 'l' -l 'long' -d 'Show line, format, cost and flags; report malformed lines.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass list" json' -l 'json' -d 'Print a JSON object with the entries and malformed lines.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass list" target' -l 'target' -d 'The servers that read the file: nginx, nginx-alpine (also alpine, ingress-nginx), apache (also httpd, apache2), lighttpd, traefik, registry (also docker-registry, distribution), envoy (also envoy-gateway), openshift; a comma list for several. Default: HTPASS_TARGET.' -rfka 'nginx nginx-alpine apache lighttpd traefik registry envoy openshift'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass list" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" stdin' -l 'stdin' -d 'Read the password from standard input (all of it, less one trailing newline).'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" password-file' -l 'password-file' -d 'Read the password from the file at PATH (less one trailing newline).' -rF
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" password-env' -l 'password-env' -d 'Read the password from the environment variable NAME.' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" allow-empty' -l 'allow-empty' -d 'Accept an empty password (refused otherwise).'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" generate' -l 'generate' -d 'Make a random password (letters and digits, from the system CSPRNG) and print it once on standard output.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" length' -l 'length' -d 'Length of a generated password (default 20; 8 with des).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" a algorithm' -s 'a' -l 'algorithm' -d 'Hash format (default bcrypt; with --target, the strongest every target verifies); apr1, sha1 and des are weak.' -rfka 'bcrypt sha512 sha256 yescrypt apr1 sha1 des'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" cost' -l 'cost' -d 'bcrypt cost, 4 to 31 (default 10; above 17 Apache cannot verify).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" rounds' -l 'rounds' -d 'sha256/sha512 rounds, 1000 to 999999999 (default 5000).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" target' -l 'target' -d 'The servers that read the file: nginx, nginx-alpine (also alpine, ingress-nginx), apache (also httpd, apache2), lighttpd, traefik, registry (also docker-registry, distribution), envoy (also envoy-gateway), openshift; a comma list for several. Default: HTPASS_TARGET.' -rfka 'nginx nginx-alpine apache lighttpd traefik registry envoy openshift'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" format' -l 'format' -d 'How to print the line (default plain; \'htpass export\' makes a k8s-secret).' -rfka 'plain compose dotenv'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" name' -l 'name' -d 'The variable of --format dotenv (default HTPASSWD_USERS).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass hash" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass check" -eq 1' -F
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass check" target' -l 'target' -d 'The servers that read the file: nginx, nginx-alpine (also alpine, ingress-nginx), apache (also httpd, apache2), lighttpd, traefik, registry (also docker-registry, distribution), envoy (also envoy-gateway), openshift; a comma list for several. Default: HTPASS_TARGET.' -rfka 'nginx nginx-alpine apache lighttpd traefik registry envoy openshift'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass check" json' -l 'json' -d 'Print one JSON object.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass check" strict' -l 'strict' -d 'Exit 1 on warnings too.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass check" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass apply" -eq 1' -F
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass apply" -eq 2' -F
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" exclusive' -l 'exclusive' -d 'Remove users that SPEC does not name.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" dry-run' -l 'dry-run' -d 'Say what would change; write nothing of its own (an interrupted edit is finished first).'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" diff' -l 'diff' -d 'Print the changes, a user per line.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" hashed' -l 'hashed' -d 'SPEC has user:hash lines, written as they are.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" json' -l 'json' -d 'Print a JSON summary on standard output.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" create' -l 'create' -d 'Create the file if it does not exist.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" allow-empty' -l 'allow-empty' -d 'Accept empty passwords in SPEC.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" allow-no-users' -l 'allow-no-users' -d 'With --exclusive, accept a SPEC that names no user: remove every user.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" jobs' -l 'jobs' -d 'Hashes computed at once (by default one per processor).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" a algorithm' -s 'a' -l 'algorithm' -d 'Hash format (default bcrypt; with --target, the strongest every target verifies); apr1, sha1 and des are weak.' -rfka 'bcrypt sha512 sha256 yescrypt apr1 sha1 des'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" cost' -l 'cost' -d 'bcrypt cost, 4 to 31 (default 10; above 17 Apache cannot verify).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" rounds' -l 'rounds' -d 'sha256/sha512 rounds, 1000 to 999999999 (default 5000).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" target' -l 'target' -d 'The servers that read the file: nginx, nginx-alpine (also alpine, ingress-nginx), apache (also httpd, apache2), lighttpd, traefik, registry (also docker-registry, distribution), envoy (also envoy-gateway), openshift; a comma list for several. Default: HTPASS_TARGET.' -rfka 'nginx nginx-alpine apache lighttpd traefik registry envoy openshift'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" mode' -l 'mode' -d 'Mode of a new file, in octal (default 0640).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" group' -l 'group' -d 'Group of a new file: the web server\'s, such as www-data (Debian) or nginx (Alpine, RHEL).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another edit of the file to finish (default 10).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" write-mode' -l 'write-mode' -d 'How the file is replaced (default auto: in place only where a rename would not reach every reader, such as a file bind-mounted alone, a mount point, hard links; by rename elsewhere). HTPASS_WRITE_MODE sets the default.' -rfka 'auto rename in-place'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" q quiet' -s 'q' -l 'quiet' -d 'Print no notes on standard error (what was done, how the file was written); warnings and errors still.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass apply" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass export" -eq 1' -F
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass export" format' -l 'format' -d 'What to print.' -rfka 'k8s-secret compose dotenv'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass export" for' -l 'for' -d 'The consumer that reads the Secret, which decides its type and key.' -rfka 'ingress-nginx nginx-inc traefik envoy-gateway openshift'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass export" name' -l 'name' -d 'The Secret\'s name, or the .env variable\'s.' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass export" namespace' -l 'namespace' -d 'The Secret\'s namespace.' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass export" target' -l 'target' -d 'The servers that read the file: nginx, nginx-alpine (also alpine, ingress-nginx), apache (also httpd, apache2), lighttpd, traefik, registry (also docker-registry, distribution), envoy (also envoy-gateway), openshift; a comma list for several. Default: HTPASS_TARGET.' -rfka 'nginx nginx-alpine apache lighttpd traefik registry envoy openshift'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass export" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass recover" -eq 1' -F
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass recover" lock-timeout' -l 'lock-timeout' -d 'Seconds to wait for another edit of the file to finish (default 10).' -rfka ''
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass recover" q quiet' -s 'q' -l 'quiet' -d 'Print no notes on standard error (what was done, how the file was written); warnings and errors still.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass recover" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass recover" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass htpasswd" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass htpasswd" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_positional "htpass completions" -eq 1' -fka 'zsh bash fish'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass completions" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass completions" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass serve" version' -l 'version' -d 'Show the version.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'htpass' -n '__htpass_should_offer_completions_for_flags_or_options "htpass help" version' -l 'version' -d 'Show the version.'
