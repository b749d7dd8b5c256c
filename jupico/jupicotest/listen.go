package jupicotest

import (
	"crypto/tls"
	"net"
)

// listenConfig is where and with which certificate a Server listens, set
// by WithListener and WithCertificate. The zero value keeps the defaults:
// a fresh loopback port and the built-in self-signed certificate.
type listenConfig struct {
	listener net.Listener
	cert     *tls.Certificate
}

// WithListener makes the fake serve on l, for example a listener on a
// fixed address for a fake run as a standalone server, instead of a fresh
// port on loopback. The Server owns l from then on and closes it with
// Close; URL is "https://" followed by l's address. A nil l is an error.
func WithListener(l net.Listener) Option {
	return func(s *Server) error {
		if l == nil {
			return invalid("nil listener")
		}
		s.listen.listener = l
		return nil
	}
}

// WithCertificate makes the fake present cert instead of its built-in
// self-signed certificate (valid for 127.0.0.1, ::1 and example.com), for
// example one issued by a test CA for the host names a client will dial.
// Certificate then returns cert's leaf and CertPool holds it, so
// ClientOptions work when the leaf names the host of URL; other clients
// trust the CA that issued it.
func WithCertificate(cert tls.Certificate) Option {
	return func(s *Server) error {
		if len(cert.Certificate) == 0 || cert.PrivateKey == nil {
			return invalid("WithCertificate needs a certificate chain and its private key")
		}
		s.listen.cert = &cert
		return nil
	}
}

// applyListen installs the listener and certificate of the options on the
// unstarted server.
func (s *Server) applyListen() {
	if l := s.listen.listener; l != nil {
		_ = s.srv.Listener.Close()
		s.srv.Listener = l
	}
	if c := s.listen.cert; c != nil {
		s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{*c}, MinVersion: tls.VersionTLS12}
	}
}
