// Kept only until F5Bench imports the modules it uses (its sources are being reworked elsewhere): every
// other target imports what it uses and compiles without these, and the types this API takes and
// returns are named in APITypes.swift. Delete this file then.
@_exported import F5Audio
@_exported import F5Bundle
@_exported import F5Compute
@_exported import F5Model
@_exported import F5Text
