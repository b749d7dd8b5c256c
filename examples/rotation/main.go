// Command rotation rotates the API key under a running client and shows
// that no request fails. The client reads its key from a Kubernetes-style
// secret directory with credentials.FromFile. Twice, while four workers keep
// sending status checks and sales, the program creates a new key at the
// fake Jupico (both keys now work, as after "+ New API Key" in the
// Backoffice), publishes it the way the kubelet updates a mounted secret (a
// new timestamped directory, then an atomic rename of the "..data"
// symlink), and then revokes the old key: the fake accepts only the new
// one. The requests that meet the revoked key get a 401, and the client
// re-reads the secret and sends them again (a 401 means nothing was
// processed, so this cannot charge twice). It prints the counts and fails
// if any request failed or the fake's ledger does not hold exactly one sale
// per approved sale.
//
//	go run ./examples/rotation
//
// It needs no set-up. It always runs against the in-process fake
// (JUPICO_ENV is ignored): rotating a key at Jupico is a Backoffice action a
// program cannot take. For a real rotation follow the same order: create
// the new key, update the secret where FromFile (or FromEnv's _FILE
// variables) reads it, then revoke the old key.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func main() {
	if err := run(context.Background(), os.Stdout, config{workers: 4, perPhase: 150, rotations: 2}); err != nil {
		fmt.Fprintln(os.Stderr, "rotation:", err)
		os.Exit(1)
	}
}

type config struct {
	workers   int // goroutines sending requests
	perPhase  int // successful requests before the first rotation and after each
	rotations int
}

// key is one generation of API credentials.
type key struct{ user, password string }

func keyN(n int) key {
	return key{fmt.Sprintf("merchant-api-v%d", n), fmt.Sprintf("rotation-demo-password-%d", n)}
}

func run(ctx context.Context, out io.Writer, cfg config) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	dir, err := os.MkdirTemp("", "jupico-secret-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	vol := &secretVolume{dir: dir}
	first := keyN(1)
	if err := vol.publish(first); err != nil {
		return err
	}
	fmt.Fprintf(out, "secret volume %s: username and password -> ..data -> %s\n", dir, vol.current)

	fake := jupicotest.Start(jupicotest.WithCredentials(first.user, first.password))
	defer fake.Close()

	var rotMu sync.Mutex
	var rotations []string
	cache, err := credentials.NewCache(credentials.FromFile(dir), credentials.WithOnRotate(func(old, new credentials.Credentials) {
		if old.IsZero() {
			return // the first load
		}
		rotMu.Lock()
		defer rotMu.Unlock()
		rotations = append(rotations, old.Username()+" -> "+new.Username()) // never the secret part
	}))
	if err != nil {
		return err
	}
	defer cache.Close()
	client, err := fake.NewClient(jupico.WithCredentials(cache))
	if err != nil {
		return err
	}
	defer client.Close()

	var ok, statuses, sales atomic.Int64
	var failMu sync.Mutex
	var failures []error
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range cfg.workers {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				default:
				}
				var err error
				if (w+n)%2 == 0 {
					_, err = client.Status(ctx)
					if err == nil {
						statuses.Add(1)
					}
				} else {
					_, err = client.CreditCard.Sale(ctx, &jupico.ChargeRequest{
						SubMerchantID: "jpt-fs-demo-acc1-m1",
						Amount:        jupico.Cents(100),
						PaymentToken:  jupico.PermanentToken("card", "tok_visa_4242"),
						Reference:     fmt.Sprintf("rotation-%d-%d", w, n),
					})
					if err == nil {
						sales.Add(1)
					}
				}
				if err != nil {
					failMu.Lock()
					failures = append(failures, err)
					failMu.Unlock()
					continue
				}
				ok.Add(1)
			}
		})
	}
	waitFor := func(n int64) error {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for ok.Load() < n {
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %d successful requests: %w", n, ctx.Err())
			case <-t.C:
			}
		}
		return nil
	}

	var werr error
	target := int64(cfg.perPhase)
	if werr = waitFor(target); werr == nil {
		for r := 2; r <= cfg.rotations+1; r++ {
			next := keyN(r)
			// 1. Create the new key at Jupico: both keys work.
			fake.AddCredentials(next.user, next.password)
			// 2. Publish it where the client reads it. Nothing changes yet
			// for requests: the client still holds the old, valid key.
			if werr = vol.publish(next); werr != nil {
				break
			}
			// 3. Revoke the old key: the fake accepts only the new one.
			fake.SetCredentials(next.user, next.password)
			done := ok.Load()
			fmt.Fprintf(out, "rotation %d: ..data -> %s, fake now accepts only %s (after %d requests)\n", r-1, vol.current, next.user, done)
			// perPhase more from here, so each key serves requests even
			// when the last phase ran over its count.
			target = done + int64(cfg.perPhase)
			if werr = waitFor(target); werr != nil {
				break
			}
		}
	}
	close(stop)
	wg.Wait()
	if werr != nil {
		return werr
	}

	perUser := map[string]int{}
	for _, r := range fake.Requests() {
		perUser[r.Username]++
	}
	users := make([]string, 0, len(perUser))
	for u := range perUser {
		users = append(users, u)
	}
	sort.Strings(users)
	seen := len(fake.Requests())
	fmt.Fprintf(out, "requests: %d succeeded (%d status checks, %d sales), %d failed\n", ok.Load(), statuses.Load(), sales.Load(), len(failures))
	for _, u := range users {
		fmt.Fprintf(out, "  the fake received %d requests with %s\n", perUser[u], u)
	}
	fmt.Fprintf(out, "401s for a revoked key, absorbed by re-reading the secret: %d\n", int64(seen)-ok.Load()-int64(len(failures)))
	rotMu.Lock()
	for _, r := range rotations {
		fmt.Fprintf(out, "client credentials rotated: %s\n", r)
	}
	nrot := len(rotations)
	rotMu.Unlock()
	recorded := len(fake.Transactions())
	fmt.Fprintf(out, "ledger: %d sales recorded for %d approved\n", recorded, sales.Load())

	switch {
	case len(failures) > 0:
		return fmt.Errorf("%d requests failed during rotation, the first: %w", len(failures), failures[0])
	case int64(recorded) != sales.Load():
		return fmt.Errorf("the fake recorded %d sales for %d approved", recorded, sales.Load())
	case nrot != cfg.rotations:
		return fmt.Errorf("the client saw %d rotations, want %d", nrot, cfg.rotations)
	}
	fmt.Fprintln(out, "done: no request failed")
	return nil
}

// secretVolume writes a directory the way the kubelet maintains a mounted
// Secret: each version in its own "..<timestamp>" directory, "..data" a
// symlink to the current one, and each key a symlink through "..data".
type secretVolume struct {
	dir     string
	current string
	n       int
}

// publish writes k as a new version and switches "..data" to it with one
// rename, so a reader sees either the old pair or the new, never a mix.
func (v *secretVolume) publish(k key) error {
	v.n++
	version := fmt.Sprintf("..%s.%09d", time.Now().UTC().Format("2006_01_02_15_04_05"), v.n)
	vdir := filepath.Join(v.dir, version)
	if err := os.Mkdir(vdir, 0o700); err != nil {
		return err
	}
	for name, value := range map[string]string{"username": k.user, "password": k.password} {
		if err := os.WriteFile(filepath.Join(vdir, name), []byte(value+"\n"), 0o400); err != nil {
			return err
		}
	}
	tmp := filepath.Join(v.dir, "..data_tmp")
	if err := os.Symlink(version, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(v.dir, "..data")); err != nil {
		return err
	}
	if v.current == "" {
		for _, name := range []string{"username", "password"} {
			if err := os.Symlink(filepath.Join("..data", name), filepath.Join(v.dir, name)); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
		}
	} else if err := os.RemoveAll(filepath.Join(v.dir, v.current)); err != nil {
		return err
	}
	v.current = version
	return nil
}
