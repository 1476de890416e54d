#!/bin/bash

__htpass_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__htpass_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__htpass_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__htpass_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_htpass() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __htpass_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    create|add|delete|verify|list|hash|check|apply|export|recover|htpasswd|completions|serve|help)
        # Offer subcommand argument completions
        "_htpass_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'create add delete verify list hash check apply export recover htpasswd completions serve help' -- "${cur}"))
        ;;
    esac
}

_htpass_create() {
    repeating_flags=()
    non_repeating_flags=(--force --stdin --allow-empty --generate -q --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--password-file --password-env --length -a --algorithm --cost --rounds --target --mode --group --lock-timeout --write-mode)
    __htpass_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--password-file')
        __htpass_add_completions -f
        return
        ;;
    '--password-env')
        return
        ;;
    '--length')
        return
        ;;
    '-a'|'--algorithm')
        __htpass_add_completions -W 'bcrypt'$'\n''sha512'$'\n''sha256'$'\n''yescrypt'$'\n''apr1'$'\n''sha1'$'\n''des'
        return
        ;;
    '--cost')
        return
        ;;
    '--rounds')
        return
        ;;
    '--target')
        __htpass_add_completions -W 'nginx'$'\n''nginx-alpine'$'\n''apache'$'\n''lighttpd'$'\n''traefik'$'\n''registry'$'\n''envoy'$'\n''openshift'
        return
        ;;
    '--mode')
        return
        ;;
    '--group')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--write-mode')
        __htpass_add_completions -W 'auto'$'\n''rename'$'\n''in-place'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __htpass_add_completions -f
        return
        ;;
    esac
}

_htpass_add() {
    repeating_flags=()
    non_repeating_flags=(--create --stdin --allow-empty --generate --json -q --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--password-file --password-env --length -a --algorithm --cost --rounds --target --mode --group --lock-timeout --write-mode)
    __htpass_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--password-file')
        __htpass_add_completions -f
        return
        ;;
    '--password-env')
        return
        ;;
    '--length')
        return
        ;;
    '-a'|'--algorithm')
        __htpass_add_completions -W 'bcrypt'$'\n''sha512'$'\n''sha256'$'\n''yescrypt'$'\n''apr1'$'\n''sha1'$'\n''des'
        return
        ;;
    '--cost')
        return
        ;;
    '--rounds')
        return
        ;;
    '--target')
        __htpass_add_completions -W 'nginx'$'\n''nginx-alpine'$'\n''apache'$'\n''lighttpd'$'\n''traefik'$'\n''registry'$'\n''envoy'$'\n''openshift'
        return
        ;;
    '--mode')
        return
        ;;
    '--group')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--write-mode')
        __htpass_add_completions -W 'auto'$'\n''rename'$'\n''in-place'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __htpass_add_completions -f
        return
        ;;
    esac
}

_htpass_delete() {
    repeating_flags=()
    non_repeating_flags=(--missing-ok --json -q --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--lock-timeout --write-mode)
    __htpass_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--lock-timeout')
        return
        ;;
    '--write-mode')
        __htpass_add_completions -W 'auto'$'\n''rename'$'\n''in-place'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __htpass_add_completions -f
        return
        ;;
    esac
}

_htpass_verify() {
    repeating_flags=()
    non_repeating_flags=(--stdin --allow-empty --version -h --help)
    repeating_options=()
    non_repeating_options=(--password-file --password-env --as)
    __htpass_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--password-file')
        __htpass_add_completions -f
        return
        ;;
    '--password-env')
        return
        ;;
    '--as')
        __htpass_add_completions -W 'nginx'$'\n''nginx-alpine'$'\n''apache'$'\n''lighttpd'$'\n''traefik'$'\n''registry'$'\n''envoy'$'\n''openshift'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __htpass_add_completions -f
        return
        ;;
    esac
}

_htpass_list() {
    repeating_flags=()
    non_repeating_flags=(-l --long --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--target)
    __htpass_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--target')
        __htpass_add_completions -W 'nginx'$'\n''nginx-alpine'$'\n''apache'$'\n''lighttpd'$'\n''traefik'$'\n''registry'$'\n''envoy'$'\n''openshift'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __htpass_add_completions -f
        return
        ;;
    esac
}

_htpass_hash() {
    repeating_flags=()
    non_repeating_flags=(--stdin --allow-empty --generate --version -h --help)
    repeating_options=()
    non_repeating_options=(--password-file --password-env --length -a --algorithm --cost --rounds --target --format --name)
    __htpass_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--password-file')
        __htpass_add_completions -f
        return
        ;;
    '--password-env')
        return
        ;;
    '--length')
        return
        ;;
    '-a'|'--algorithm')
        __htpass_add_completions -W 'bcrypt'$'\n''sha512'$'\n''sha256'$'\n''yescrypt'$'\n''apr1'$'\n''sha1'$'\n''des'
        return
        ;;
    '--cost')
        return
        ;;
    '--rounds')
        return
        ;;
    '--target')
        __htpass_add_completions -W 'nginx'$'\n''nginx-alpine'$'\n''apache'$'\n''lighttpd'$'\n''traefik'$'\n''registry'$'\n''envoy'$'\n''openshift'
        return
        ;;
    '--format')
        __htpass_add_completions -W 'plain'$'\n''compose'$'\n''dotenv'
        return
        ;;
    '--name')
        return
        ;;
    esac
}

_htpass_check() {
    repeating_flags=()
    non_repeating_flags=(--json --strict --version -h --help)
    repeating_options=()
    non_repeating_options=(--target)
    __htpass_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--target')
        __htpass_add_completions -W 'nginx'$'\n''nginx-alpine'$'\n''apache'$'\n''lighttpd'$'\n''traefik'$'\n''registry'$'\n''envoy'$'\n''openshift'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __htpass_add_completions -f
        return
        ;;
    esac
}

_htpass_apply() {
    repeating_flags=()
    non_repeating_flags=(--exclusive --dry-run --diff --hashed --json --create --allow-empty --allow-no-users -q --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--jobs -a --algorithm --cost --rounds --target --mode --group --lock-timeout --write-mode)
    __htpass_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--jobs')
        return
        ;;
    '-a'|'--algorithm')
        __htpass_add_completions -W 'bcrypt'$'\n''sha512'$'\n''sha256'$'\n''yescrypt'$'\n''apr1'$'\n''sha1'$'\n''des'
        return
        ;;
    '--cost')
        return
        ;;
    '--rounds')
        return
        ;;
    '--target')
        __htpass_add_completions -W 'nginx'$'\n''nginx-alpine'$'\n''apache'$'\n''lighttpd'$'\n''traefik'$'\n''registry'$'\n''envoy'$'\n''openshift'
        return
        ;;
    '--mode')
        return
        ;;
    '--group')
        return
        ;;
    '--lock-timeout')
        return
        ;;
    '--write-mode')
        __htpass_add_completions -W 'auto'$'\n''rename'$'\n''in-place'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __htpass_add_completions -f
        return
        ;;
    2)
        __htpass_add_completions -f
        return
        ;;
    esac
}

_htpass_export() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--format --for --name --namespace --target)
    __htpass_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--format')
        __htpass_add_completions -W 'k8s-secret'$'\n''compose'$'\n''dotenv'
        return
        ;;
    '--for')
        __htpass_add_completions -W 'ingress-nginx'$'\n''nginx-inc'$'\n''traefik'$'\n''envoy-gateway'$'\n''openshift'
        return
        ;;
    '--name')
        return
        ;;
    '--namespace')
        return
        ;;
    '--target')
        __htpass_add_completions -W 'nginx'$'\n''nginx-alpine'$'\n''apache'$'\n''lighttpd'$'\n''traefik'$'\n''registry'$'\n''envoy'$'\n''openshift'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __htpass_add_completions -f
        return
        ;;
    esac
}

_htpass_recover() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--lock-timeout)
    __htpass_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--lock-timeout')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __htpass_add_completions -f
        return
        ;;
    esac
}

_htpass_htpasswd() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __htpass_offer_flags_options -1
}

_htpass_completions() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __htpass_offer_flags_options 1

    # Offer positional completions
    case "${positional_number}" in
    1)
        __htpass_add_completions -W 'zsh'$'\n''bash'$'\n''fish'
        return
        ;;
    esac
}

_htpass_serve() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __htpass_offer_flags_options -1
}

_htpass_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __htpass_offer_flags_options -1
}

complete -o filenames -F _htpass htpass
