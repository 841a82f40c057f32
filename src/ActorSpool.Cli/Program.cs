Console.WriteLine("spoolctl");
