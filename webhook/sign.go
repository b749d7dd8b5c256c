package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"
)

// Sign returns the webhook-signature header value, "v1,<base64>", that a
// sender holding secret puts on a delivery with the given id, timestamp and
// body. It exists so that merchants can build signed requests in tests; a
// Verifier with the same secret accepts the result when ts is within its
// tolerance. ts is truncated to whole seconds, as the webhook-timestamp
// header carries it (strconv.FormatInt(ts.Unix(), 10)).
//
// The secret has the form NewVerifier accepts. Errors wrap ErrInvalidSecret,
// or ErrInvalidHeader for an id that Verify would refuse or a ts before
// 1970. Sign is safe for concurrent use.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	if err := checkID(id); err != nil {
		return "", err
	}
	if ts.Unix() < 0 {
		return "", detail(ErrInvalidHeader, "timestamp before 1970")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, ts.Unix(), 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}
