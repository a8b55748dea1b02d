// Fixtures of the browser tests, written from what the tools' docs describe:
// a Segment export whose events fall around midnight UTC (so that the day of
// an event depends on the time zone), and an Amplitude Export API zip.
import { gzipSync } from 'node:zlib';

const HOUR = 3600e3;

// segmentAtNight shifts every time of a Segment JSON-lines export by `hours`
// and writes one record in three with a +05:30 offset (the same instant), the
// way a client in India sends it. Nulls and repeated messageIds are left as
// the generator wrote them.
export function segmentAtNight(text, hours) {
  const shift = (s) => new Date(Date.parse(s) + hours * HOUR);
  const india = (d) => {
    const local = new Date(d.getTime() + 5.5 * HOUR).toISOString().slice(0, 23);
    return `${local}+05:30`;
  };
  return text.split('\n').filter(Boolean).map((line, i) => {
    const e = JSON.parse(line);
    for (const k of ['timestamp', 'receivedAt', 'sentAt', 'originalTimestamp']) {
      if (typeof e[k] !== 'string') continue;
      const d = shift(e[k]);
      e[k] = k === 'timestamp' && i % 3 === 0 ? india(d) : d.toISOString();
    }
    return JSON.stringify(e);
  }).join('\n') + '\n';
}

// amplitudeTime formats a Date as Amplitude's event_time (UTC, microseconds).
const amplitudeTime = (d) => `${d.toISOString().slice(0, 23).replace('T', ' ')}000`;

// amplitudeExportZip turns Amplitude JSON lines (sep gen --format amplitude)
// into what the Export API returns: a zip holding one gzipped JSON-lines file
// per hour of upload, named PROJECT/PROJECT_YYYY-MM-DD_H#0.json.gz. Times are
// shifted by `hours`; one event in 40 is uploaded again an hour later (same
// insert_id: the same event), and sessions get Amplitude's automatic
// session_start/session_end events with a null user_id.
export function amplitudeExportZip(text, hours, project = '187520') {
  const byHour = new Map();
  const put = (uploaded, e) => {
    const key = uploaded.toISOString().slice(0, 13); // YYYY-MM-DDTHH
    if (!byHour.has(key)) byHour.set(key, []);
    byHour.get(key).push(JSON.stringify({ ...e, server_upload_time: amplitudeTime(uploaded) }));
  };
  text.split('\n').filter(Boolean).forEach((line, i) => {
    const e = JSON.parse(line);
    const d = new Date(Date.parse(`${e.event_time.replace(' ', 'T')}Z`) + hours * HOUR);
    e.event_time = amplitudeTime(d);
    e.session_id = i % 7 === 0 ? -1 : Math.floor(d.getTime() / HOUR) * 1000;
    e.event_properties = e.event_properties ?? null;
    const uploaded = new Date(d.getTime() + 5 * 60e3);
    put(uploaded, e);
    if (i % 40 === 5) put(new Date(uploaded.getTime() + HOUR), e);
    if (i % 25 === 3) {
      const marker = { user_id: null, device_id: e.device_id, session_id: e.session_id, insert_id: null, uuid: `s-${i}` };
      put(uploaded, { ...marker, event_type: 'session_start', event_time: amplitudeTime(new Date(d.getTime() - 60e3)) });
      put(uploaded, { ...marker, event_type: 'session_end', uuid: `e-${i}`, event_time: amplitudeTime(new Date(d.getTime() + 60e3)) });
    }
  });
  const entries = [...byHour.keys()].sort().map((key) => {
    const [day, hour] = key.split('T');
    return { name: `${project}/${project}_${day}_${Number(hour)}#0.json.gz`, data: gzipSync(`${byHour.get(key).join('\n')}\n`) };
  });
  return zip(entries);
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// zip writes a zip archive of stored (uncompressed) entries: the hourly files
// are gzipped already, as in Amplitude's export.
export function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBuf = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}
