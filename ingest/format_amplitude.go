package ingest

import "github.com/sep-project/sep/core"

// Amplitude: Export API JSON lines (event_type, user_id, event_time).

// amplitudeFormat recognises Amplitude records by their event_type,
// amplitude_id and time keys, and decodes them.
func amplitudeFormat() formatSpec {
	return formatSpec{name: core.FormatAmplitude, label: "Amplitude",
		keys: map[string]int{"event_type": 4, "event_time": 2, "amplitude_id": 4, "device_id": 2, "user_id": 1,
			"insert_id": 2, "session_id": 1, "client_event_time": 3, "server_upload_time": 3, "event_properties": 3,
			"user_properties": 1, "group_properties": 2, "groups": 1},
		decoder: func(o *Options) recordDecoder { return &amplitudeDecoder{groupKeys: groupKeys(o)} }}
}

type amplitudeRecord struct {
	EventType        flexString     `json:"event_type"`
	UserID           flexString     `json:"user_id"`
	DeviceID         flexString     `json:"device_id"`
	EventTime        flexTime       `json:"event_time"`
	ClientEventTime  flexTime       `json:"client_event_time"`
	ServerUploadTime flexTime       `json:"server_upload_time"`
	ServerReceived   flexTime       `json:"server_received_time"`
	Groups           map[string]any `json:"groups"`
	UserProperties   map[string]any `json:"user_properties"`
	GroupProperties  map[string]any `json:"group_properties"`
	EventProperties  map[string]any `json:"event_properties"`
	InsertID         flexString     `json:"insert_id"`
	DollarInsertID   flexString     `json:"$insert_id"`
	UUID             flexString     `json:"uuid"`
}

var amplitudeTimeFields = []string{"event_time", "client_event_time", "server_upload_time"}

type amplitudeDecoder struct {
	groupKeys []string
	rec       amplitudeRecord
}

func (d *amplitudeDecoder) decode(b []byte, emit func(*core.Event)) *core.ParseError {
	d.rec = amplitudeRecord{}
	r := &d.rec
	if err := jsonUnmarshal(b, r); err != nil {
		return invalidJSON(err)
	}
	if r.EventType == "" {
		return fieldError("event_type", core.ReasonMissingField, "missing event_type")
	}
	ms, pe := timeField(amplitudeTimeFields, &r.EventTime, &r.ClientEventTime, &r.ServerUploadTime)
	if pe != nil {
		return pe
	}
	e := core.Event{Name: string(r.EventType), TimeMs: ms, Kind: plainKind(string(r.EventType))}
	if e.ReceivedMs = r.ServerReceived.received(); e.ReceivedMs == 0 {
		e.ReceivedMs = r.ServerUploadTime.received()
	}
	e.UserID = string(r.UserID)
	if e.UserID == "" {
		e.UserID = string(r.DeviceID)
	}
	e.MessageID = string(r.InsertID)
	if e.MessageID == "" {
		e.MessageID = string(r.DollarInsertID)
	}
	if e.MessageID == "" {
		e.MessageID = string(r.UUID)
	}
	e.AccountID = groupFrom(r.Groups, d.groupKeys)
	if e.AccountID == "" {
		e.AccountID = propertyGroup(r.EventProperties, d.groupKeys)
	}
	switch e.Kind {
	case core.KindIdentify:
		e.Traits = traitsOf(r.UserProperties)
	case core.KindGroup:
		if e.AccountID == "" {
			return nil
		}
		e.Traits = traitsOf(r.GroupProperties)
	}
	emit(&e)
	return nil
}
