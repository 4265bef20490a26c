// runtime/serial: talk to a board running snnc firmware (docs/firmware.md) over a serial port,
// a pty or a child process's stdio. SerialBoard is the API; protocol.ts is the wire format.

export { SerialBoard, type BoardResult, type SerialBoardOptions } from './board.js';
export { openSerialPort, streamTransport, type ByteTransport } from './transport.js';
export { encodeSpikeFrames } from './host-encoder.js';
export { spawnSerialBoard, type ChildBoard } from './child.js';
export * from './protocol.js';
