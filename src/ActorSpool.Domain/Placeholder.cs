namespace ActorSpool.Domain; internal static class Placeholder {}
