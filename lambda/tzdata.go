package main

// The IANA time zone database inside the binary: SEP_CONFIG's tz must load on
// provided.al2023 whether or not the image has /usr/share/zoneinfo.
import _ "time/tzdata"
