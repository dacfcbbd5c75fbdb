namespace Tidings.Connections.Flow;

/// <summary>What <see cref="OutputPressure"/> pauses and resumes: the deliveries to one connection's consumers.</summary>
public interface IDeliveryFlow
{
    /// <summary>
    /// Stops deliveries to the connection's consumers. Called on the thread that appended the
    /// delivery that crossed the limit, which may hold a queue lock and a session lock: it must
    /// only flip flags (e.g. <c>Session.SetFlow(false)</c>), never dispatch.
    /// </summary>
    void PauseDeliveries();

    /// <summary>
    /// Resumes deliveries (e.g. <c>Session.SetFlow(true)</c>, which dispatches the queues).
    /// Called on the connection's writer loop only, with no lock of the broker held.
    /// </summary>
    void ResumeDeliveries();
}
