package main

// The zone database is embedded: sep may run in a minimal container with no
// /usr/share/zoneinfo. A system database, when present, is still used first.
import _ "time/tzdata"
