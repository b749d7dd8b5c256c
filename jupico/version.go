package jupico

// Version is the SDK's version. It is sent in the User-Agent header as
// "jupico-go/<Version> go/<Go version>".
const Version = "0.1.0-dev"
