package testenv

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
)

// AmplitudeProject is the project id in AmplitudeExport's member names.
const AmplitudeProject = "318806"

// AmplitudeExport returns the same events twice: as an Amplitude Export API
// archive (a zip of one gzipped JSON-lines file per hour of server upload,
// named PROJECT/PROJECT_YYYY-MM-DD_H#0.json.gz as Amplitude names them) and
// as the plain JSON lines of those files, concatenated in member order.
//
// The events: a synthetic product of users × days in Amplitude's shape
// (event_type, user_id, device_id, event_time "YYYY-MM-DD HH:MM:SS.ffffff" in
// UTC, insert_id, groups, $identify and $groupidentify with properties),
// plus hand-written records with what real exports carry: $insert_id in
// place of insert_id, uuid only, a null user_id (the device id counts),
// numbers where strings are expected, null properties, session_start and
// session_end, an "[Amplitude] Page Viewed", and one record repeated in two
// hours' files (the same insert_id: one event).
func AmplitudeExport(t testing.TB, users, days int) (archive, lines []byte) {
	t.Helper()
	var gen bytes.Buffer
	if _, err := synth.Write(&gen, synth.Options{Users: users, Days: days, Seed: 23, Format: core.FormatAmplitude,
		End: time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	records := strings.Split(strings.TrimSpace(gen.String()), "\n")
	records = append(records, oddAmplitudeRecords...)

	// One file per hour of event_time (a stand-in for server_upload_time).
	hours := map[string][]string{}
	for _, rec := range records {
		i := strings.Index(rec, `"event_time":"`)
		if i < 0 {
			t.Fatalf("no event_time in %s", rec)
		}
		at := rec[i+len(`"event_time":"`):]
		day, hour := at[:10], strings.TrimLeft(at[11:13], "0")
		if hour == "" {
			hour = "0"
		}
		name := fmt.Sprintf("%s/%s_%s_%s#0.json.gz", AmplitudeProject, AmplitudeProject, day, hour)
		hours[name] = append(hours[name], rec)
	}
	// The retried upload: the last hand-written record again, an hour later.
	retry := fmt.Sprintf("%s/%s_2026-09-29_23#0.json.gz", AmplitudeProject, AmplitudeProject)
	hours[retry] = append(hours[retry], oddAmplitudeRecords[len(oddAmplitudeRecords)-1])

	names := make([]string, 0, len(hours))
	for name := range hours {
		names = append(names, name)
	}
	sort.Strings(names)
	var zbuf, plain bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	// Amplitude's archive starts with the project's folder entry.
	if _, err := zw.Create(AmplitudeProject + "/"); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		text := strings.Join(hours[name], "\n") + "\n"
		plain.WriteString(text)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		gz := gzip.NewWriter(w)
		gz.Write([]byte(text))
		if err := gz.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return zbuf.Bytes(), plain.Bytes()
}

// oddAmplitudeRecords are written after the Export API's documented fields;
// the last one is delivered twice by AmplitudeExport.
var oddAmplitudeRecords = []string{
	`{"$insert_id":"odd-1","amplitude_id":90210001,"event_type":"Report Created","user_id":"odd-user","device_id":"dev-odd","event_time":"2026-09-29 23:59:59.999999","client_event_time":"2026-09-29 23:59:58.120000","server_upload_time":"2026-09-30 00:00:03.500000","groups":{"company":["acct-1"]},"event_properties":{"format":null},"user_properties":null,"session_id":1790726398120}`,
	`{"uuid":"6c4f2b6e-8f1e-4d33-9a7e-2f1a0c9d5b11","amplitude_id":"90210002","event_type":"Query Run","user_id":null,"device_id":"dev-anon-7","event_time":"2026-09-29 00:00:00.000001","groups":{},"event_properties":{"rows":"1200"}}`,
	`{"insert_id":"odd-3","event_type":"session_start","user_id":"odd-user","device_id":"dev-odd","event_time":"2026-09-29 22:10:00.000000","session_id":1790719800000}`,
	`{"insert_id":"odd-4","event_type":"session_end","user_id":"odd-user","device_id":"dev-odd","event_time":"2026-09-29 22:40:00.000000","session_id":1790719800000}`,
	`{"insert_id":"odd-5","event_type":"[Amplitude] Page Viewed","user_id":"odd-user","device_id":"dev-odd","event_time":"2026-09-29 22:11:00.000000","event_properties":{"[Amplitude] Page Path":"/reports"}}`,
	`{"insert_id":"odd-6","event_type":"Dashboard Shared","user_id":4242,"device_id":"dev-4242","event_time":"2026-09-28 13:05:00.250000","groups":{"company":"acct-2"},"user_properties":{"plan":"pro","seats":12}}`,
	`{"insert_id":"odd-retried","event_type":"Chart Edited","user_id":"odd-user","device_id":"dev-odd","event_time":"2026-09-29 22:30:00.000000","groups":{"company":["acct-1"]}}`,
}

// ZipWith returns archive with one more member, name, holding data (gzipped
// when name ends in .gz).
func ZipWith(t testing.TB, archive []byte, name string, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".gz") {
		gz := gzip.NewWriter(w)
		gz.Write(data)
		err = gz.Close()
	} else {
		_, err = w.Write(data)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
