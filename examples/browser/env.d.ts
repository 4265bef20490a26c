/// <reference types="vite/client" />
declare module 'default-model.wasm?url' {
  const url: string;
  export default url;
}
