// traefik-basic-auth: Traefik's BasicAuth middleware as a stand-alone server on 127.0.0.1, for the
// cross-consumer tests of htpass.
//
// Traefik does not use go-http-auth's file provider. It reads the users file itself when the
// middleware is built and keeps the result until its configuration changes; it calls go-http-auth
// only to compare a password with a stored hash. This program does the same, in the same order:
//
//   - reading the file: traefik/traefik pkg/middlewares/auth/auth.go (getUsers, loadUsers,
//     getLinesFromFile): the whole file split on "\n", each line passed through strings.TrimSpace,
//     empty lines and lines starting with "#" (after trimming) dropped;
//   - each remaining line: pkg/middlewares/auth/basic_auth.go (basicUserParser): strings.Split on
//     ":" must give exactly two parts, otherwise building the middleware fails; the users go into a
//     map, so for a user listed twice the last line wins;
//   - a request: basic_auth.go (ServeHTTP, checkPassword, secretBasic): net/http's
//     Request.BasicAuth, then an unknown user or an empty hash is refused, else
//     goauth.CheckSecret(password, hash) decides;
//   - a middleware that cannot be built: pkg/server/router/router.go (buildEntryPointHandler) logs
//     the error and leaves the router out, so every request falls to http.NotFoundHandler: 404.
//
// The comparison is the library's own: Debian's golang-github-abbot-go-http-auth-dev (0.4.0) has no
// exported CheckSecret (Traefik uses the containous fork, whose CheckSecret runs the same
// compareFuncs table: MD5-crypt by default, "{SHA}", "$2a$", "$2b$", "$2x$", "$2y$"), so this program
// reaches that table through BasicAuth.CheckAuth on a request it builds for the purpose, with a fixed
// user name and a provider that returns the stored hash.
//
// Usage: traefik-basic-auth -listen 127.0.0.1:PORT -users FILE
package main

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"

	auth "github.com/abbot/go-http-auth"
)

// readUsers reads the users file the way Traefik's getUsers does.
func readUsers(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	users := map[string]string{}
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, ":")
		if len(parts) != 2 {
			return nil, fmt.Errorf("error parsing BasicUser: %v", line)
		}
		users[parts[0]] = parts[1]
	}
	return users, nil
}

// checkSecret is go-http-auth's comparison of password with secret.
func checkSecret(password, secret string) bool {
	const name = "u"
	checker := &auth.BasicAuth{Realm: "traefik", Secrets: func(string, string) string { return secret }}
	request, _ := http.NewRequest(http.MethodGet, "/", nil)
	request.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(name+":"+password)))
	return checker.CheckAuth(request) == name
}

func main() {
	listen := flag.String("listen", "", "address to listen on, 127.0.0.1:PORT")
	usersFile := flag.String("users", "", "the users file")
	flag.Parse()
	host, _, err := net.SplitHostPort(*listen)
	if err != nil || host != "127.0.0.1" || *usersFile == "" {
		fmt.Fprintln(os.Stderr, "usage: traefik-basic-auth -listen 127.0.0.1:PORT -users FILE")
		os.Exit(2)
	}

	var handler http.Handler
	users, err := readUsers(*usersFile)
	if err != nil {
		log.Printf("error building the basicAuth middleware: %v", err)
		handler = http.NotFoundHandler()
	} else {
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, password, ok := r.BasicAuth()
			if ok {
				secret := users[user]
				ok = secret != "" && checkSecret(password, secret)
			}
			if !ok {
				w.Header().Set("WWW-Authenticate", `Basic realm="traefik"`)
				http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
				return
			}
			fmt.Fprintln(w, "secret page")
		})
	}

	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	err = http.Serve(listener, handler)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
