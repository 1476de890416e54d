#!/bin/sh
# GitOps without churn: brings a kept htpasswd file to SPEC and prints the Kubernetes Secret for
# CONSUMER. A run with the same SPEC leaves the file, and so the manifest, byte for byte as it was:
# no new commit, no Secret update, no pod restart. Only a changed password changes the manifest.
#
#   render-secret.sh CONSUMER STATE SPEC [NAME [NAMESPACE]] > secret.yaml
#
# CONSUMER: ingress-nginx, nginx-inc, traefik, envoy-gateway or openshift. STATE: the htpasswd file
# the pipeline keeps between runs (committed next to the manifest, or read back from the cluster's
# Secret). SPEC: 'user:password' lines from your secret store, a file or '-' for standard input.
set -eu

if [ $# -lt 3 ]; then
    echo "usage: render-secret.sh CONSUMER STATE SPEC [NAME [NAMESPACE]]" >&2
    exit 2
fi
consumer=$1 state=$2 spec=$3 name=${4:-basic-auth} namespace=${5:-}

# The servers behind each consumer: the hash format htpass writes is one they all verify.
case $consumer in
ingress-nginx) target=nginx-alpine ;;
nginx-inc) target=nginx,nginx-alpine ;;
traefik) target=traefik ;;
envoy-gateway) target=envoy ;;
openshift) target=openshift ;;
*) echo "render-secret: unknown consumer '$consumer'" >&2; exit 2 ;;
esac

htpass apply --create --exclusive --target "$target" "$state" "$spec" >&2
htpass export "$state" --format k8s-secret --for "$consumer" --name "$name" ${namespace:+--namespace "$namespace"}
